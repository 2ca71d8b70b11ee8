package search

import (
	"strings"
	"sync"

	"kefu/internal/nlu/textseg"
)

// domainSynonyms are groups of words customers use for the same thing in e-commerce customer
// service, written by the kefu project (not taken from any dataset). A word in a group adds
// the group's term to both articles and queries, so "退钱" finds an article that says "退款"
// and "parcel" finds one about "package". Single words only; English words are matched by
// their stems. Keep groups narrow: a synonym that is only sometimes right hurts ranking.
var domainSynonyms = [][]string{
	{"快递", "物流", "包裹", "快件", "运单", "parcel", "package", "courier"},
	{"退款", "退钱", "退费", "返款", "refund", "reimburse", "reimbursement", "repayment"},
	{"退货", "退回", "寄回", "退还", "return"},
	{"换货", "调换", "换一个", "exchange", "swap"},
	{"发货", "出货", "寄出", "发出", "ship", "shipping", "dispatch", "shipment"},
	{"配送", "派送", "送货", "送达", "delivery", "deliver"},
	{"取消", "撤销", "撤回", "cancel", "cancellation"},
	{"订单", "单子", "order"},
	{"发票", "开票", "票据", "收据", "invoice", "bill", "receipt"},
	{"地址", "收货地址", "住址", "address"},
	{"修改", "更改", "变更", "改成", "改为", "change", "modify", "edit", "update"},
	{"账号", "帐号", "账户", "帐户", "account"},
	{"密码", "password", "passcode"},
	{"登录", "登陆", "登入", "login", "signin"},
	{"注册", "开户", "register", "registration", "signup"},
	{"人工", "人工客服", "转人工", "真人", "human", "agent", "representative", "operator"},
	{"投诉", "举报", "申诉", "complaint", "complain"},
	{"优惠券", "红包", "代金券", "coupon", "voucher"},
	{"付款", "支付", "付钱", "缴费", "pay", "payment"},
	{"还款", "还钱", "repay"},
	{"运费", "邮费", "快递费", "postage"},
	{"坏了", "损坏", "破损", "碎了", "damaged", "broken", "defective"},
	{"开通", "激活", "启用", "activate", "enable"},
	{"关闭", "停用", "deactivate", "disable"},
	{"额度", "限额", "limit", "quota"},
	{"保修", "质保", "warranty", "guarantee"},
	{"维修", "返修", "修理", "repair", "fix"},
	{"尺码", "尺寸", "码数", "size"},
	{"手机号", "手机号码", "电话号码", "phone", "mobile", "cellphone"},
	{"邮箱", "电子邮件", "email", "mail"},
	{"删除", "删掉", "delete", "remove"},
	{"跟踪", "追踪", "track", "trace"},
	{"绑定", "关联", "bind", "link"},
	{"银行卡", "储蓄卡", "借记卡", "card"},
	{"客服", "售后", "support", "service"},
	{"快点", "尽快", "赶紧", "urgent", "asap"},
}

var (
	synOnce sync.Once
	synMap  map[string]string
	// synFirst holds the first character of every Chinese synonym, so the scan over each
	// character of a text only looks a word up when one could start there.
	synFirst map[rune]bool
)

// synonymGroup returns the group name of a normalised word (or its English stem).
func synonymGroup(word string) (string, bool) {
	synOnce.Do(func() {
		synMap = make(map[string]string)
		synFirst = make(map[rune]bool)
		for _, g := range domainSynonyms {
			name := g[0]
			for _, w := range g {
				w = textseg.Normalize(w)
				synMap[w] = name
				for _, r := range w {
					synFirst[r] = textseg.IsHan(r) || synFirst[r]
					break
				}
				if !strings.ContainsFunc(w, textseg.IsHan) {
					synMap[textseg.Stem(w)] = name
				}
			}
		}
	})
	if g, ok := synMap[word]; ok {
		return g, true
	}
	if !isHanWord(word) {
		g, ok := synMap[textseg.Stem(word)]
		return g, ok
	}
	return "", false
}

// mayStartSynonym reports whether a Chinese synonym starts with r.
func mayStartSynonym(r rune) bool {
	synonymGroup("") // initialise the tables
	return synFirst[r]
}
