package entity

import "sort"

type wordValue struct{ word, value string }

// sortedByLength puts longer words first so that "深蓝色" wins over "蓝色" in overlap
// resolution (both are found; resolve keeps the longer).
func sortedByLength(m map[string]string) []wordValue {
	out := make([]wordValue, 0, len(m))
	for w, v := range m {
		out = append(out, wordValue{w, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].word) != len(out[j].word) {
			return len(out[i].word) > len(out[j].word)
		}
		return out[i].word < out[j].word
	})
	return out
}

var colorWords = sortedByLength(map[string]string{
	"红色": "red", "大红": "red", "酒红色": "burgundy", "酒红": "burgundy", "玫红色": "rose", "玫红": "rose",
	"黑色": "black", "白色": "white", "米白色": "off-white", "米白": "off-white", "蓝色": "blue", "深蓝色": "navy", "深蓝": "navy",
	"藏青色": "navy", "藏青": "navy", "浅蓝色": "light blue", "浅蓝": "light blue", "天蓝色": "sky blue", "绿色": "green",
	"军绿色": "army green", "墨绿色": "dark green", "黄色": "yellow", "粉色": "pink", "粉红色": "pink", "紫色": "purple",
	"灰色": "grey", "深灰色": "dark grey", "浅灰色": "light grey", "棕色": "brown", "咖啡色": "brown", "米色": "beige",
	"卡其色": "khaki", "橙色": "orange", "橘色": "orange", "银色": "silver", "金色": "gold", "玫瑰金": "rose gold",
	"透明色": "clear", "彩色": "multicolour",
	"red": "red", "black": "black", "white": "white", "blue": "blue", "navy": "navy", "green": "green", "yellow": "yellow",
	"pink": "pink", "purple": "purple", "grey": "grey", "gray": "grey", "brown": "brown", "beige": "beige", "khaki": "khaki",
	"orange": "orange", "silver": "silver", "gold": "gold", "rose gold": "rose gold", "burgundy": "burgundy",
	"light blue": "light blue", "dark blue": "navy", "dark green": "dark green", "off-white": "off-white",
})

// Provinces and major cities, with the usual suffixes folded away in the value.
var locationWords = func() []wordValue {
	m := map[string]string{}
	provinces := []string{"北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
		"江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
		"内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"}
	for _, p := range provinces {
		m[p] = p
		m[p+"省"] = p
		m[p+"市"] = p
	}
	for _, p := range []string{"内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区"} {
		m[p] = []string{"内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"}[indexOf(p)]
	}
	cities := []string{"广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "长沙", "郑州", "沈阳", "青岛", "厦门",
		"宁波", "大连", "昆明", "福州", "济南", "合肥", "南昌", "南宁", "贵阳", "哈尔滨", "长春", "石家庄", "太原", "兰州",
		"海口", "三亚", "拉萨", "乌鲁木齐", "呼和浩特", "银川", "西宁", "东莞", "佛山", "无锡", "温州", "珠海", "中山",
		"惠州", "泉州", "常州", "南通", "徐州", "烟台", "潍坊", "绍兴", "嘉兴", "金华", "台州", "扬州", "洛阳", "唐山",
		"保定", "桂林", "义乌"}
	for _, c := range cities {
		m[c] = c
		m[c+"市"] = c
	}
	en := map[string]string{"beijing": "北京", "shanghai": "上海", "guangzhou": "广州", "shenzhen": "深圳", "hangzhou": "杭州",
		"chengdu": "成都", "wuhan": "武汉", "nanjing": "南京", "tianjin": "天津", "chongqing": "重庆", "suzhou": "苏州",
		"xi'an": "西安", "xian": "西安", "hong kong": "香港", "macau": "澳门", "taiwan": "台湾", "guangdong": "广东",
		"zhejiang": "浙江", "jiangsu": "江苏"}
	for k, v := range en {
		m[k] = v
	}
	return sortedByLength(m)
}()

func indexOf(p string) int {
	for i, s := range []string{"内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区"} {
		if s == p {
			return i
		}
	}
	return 0
}
