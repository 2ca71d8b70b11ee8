package bot

import (
	"slices"
	"testing"

	"kefu/internal/aftersales"
	"kefu/internal/commerce"
)

func TestAnswerOf(t *testing.T) {
	cases := map[string]string{
		"是的": "yes", "好的。": "yes", "确认": "yes", "嗯嗯": "yes", "yes": "yes", "OK!": "yes", "Sure, go ahead": "yes",
		"不": "no", "不要了": "no", "算了": "no", "no": "no", "No, the other order": "no", "nope": "no", "不是这个订单": "no",
		"我的快递到哪了": "", "KF20261101001": "", "": "", "yesterday": "", "nobody told me": "",
	}
	for in, want := range cases {
		if got := answerOf(in); got != want {
			t.Errorf("answerOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReasonOf(t *testing.T) {
	cases := map[string]aftersales.Reason{
		"不想要了，七天无理由": aftersales.ReasonNoReason, "I changed my mind": aftersales.ReasonNoReason, "尺码不合适": aftersales.ReasonNoReason,
		"收到的杯子碎了": aftersales.ReasonDamaged, "the screen arrived cracked": aftersales.ReasonDamaged,
		"发错货了": aftersales.ReasonWrongItem, "you sent the wrong item": aftersales.ReasonWrongItem,
		"少了一个配件": aftersales.ReasonMissingParts, "与描述不符，色差很大": aftersales.ReasonNotAsDescribed,
		"用了两天就坏了": aftersales.ReasonQuality, "it stopped working": aftersales.ReasonQuality,
		"鞋子码数小了，穿着挤脚": aftersales.ReasonNoReason, "买多了": aftersales.ReasonNoReason, "开衫颜色不太喜欢": aftersales.ReasonNoReason,
		"I don't need it anymore": aftersales.ReasonNoReason, "包裹少发了一件T恤": aftersales.ReasonMissingParts,
		"质量问题，尺码也不对": aftersales.ReasonQuality, "耳机左边没声音了": aftersales.ReasonQuality,
		"hello": "", "KF20261101001": "",
	}
	for in, want := range cases {
		if got := reasonOf(in); got != want {
			t.Errorf("reasonOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKindFor(t *testing.T) {
	cases := []struct {
		intent, status string
		want           aftersales.Kind
	}{
		{"return_request", "delivered", "return"},
		{"damaged_item", "delivered", "return"},
		{"refund_request", "completed", "return"},
		{"refund_request", "shipped", "refund_only"},
		{"missing_item", "delivered", "refund_only"},
		{"exchange_request", "delivered", "exchange"},
		{"warranty_repair", "completed", "repair"},
		{"price_protection", "paid", "price_protection"},
	}
	for _, c := range cases {
		if got := kindFor(c.intent, c.status); got != c.want {
			t.Errorf("kindFor(%s, %s) = %s, want %s", c.intent, c.status, got, c.want)
		}
	}
}

func TestReplyLang(t *testing.T) {
	cases := []struct{ text, detected, prev, want string }{
		{"我的快递到哪了", "zh", "en", "zh"},
		{"where is my order", "en", "zh", "en"},
		{"KF20261101001", "en", "zh", "zh"},
		{"KF20261101001", "zh", "en", "en"},
		{"ok", "en", "zh", "zh"},
		{"👍", "", "", "zh"},
		{"my order 到哪了", "zh", "en", "zh"},
	}
	for _, c := range cases {
		if got := replyLang(c.text, c.detected, c.prev); got != c.want {
			t.Errorf("replyLang(%q, %s, %s) = %s, want %s", c.text, c.detected, c.prev, got, c.want)
		}
	}
}

func TestHandoffRules(t *testing.T) {
	p := DefaultHandoffPolicy()
	neg := Feeling{Polarity: "negative", Score: -0.95}
	cases := []struct {
		name string
		u    Understanding
		text string
		st   State
		want string
	}{
		{"explicit", Understanding{Intent: "human_agent", Confidence: 0.9}, "转人工", State{}, "explicit_request"},
		{"explicit but unsure", Understanding{Intent: "human_agent", Confidence: 0.2}, "人", State{}, ""},
		{"anger", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "negative", Score: -0.5, Anger: true}}, "再不发货我打12315", State{}, "anger"},
		{"very negative, bot doing fine", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: neg}, "我买的东西咋还没到啊", State{}, ""},
		{"very negative after a miss", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: neg}, "你到底懂不懂", State{LowConfidence: 1}, "negative_sentiment"},
		{"very negative after a failed step", Understanding{Intent: "oos", Confidence: 0.3, Sentiment: neg}, "还是不对", State{Failures: 1}, "negative_sentiment"},
		{"mildly negative after a miss", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "negative", Score: -0.4}}, "嗯", State{LowConfidence: 1}, ""},
		{"calm", Understanding{Intent: "order_status", Confidence: 0.9}, "where is my order", State{}, ""},
		{"three exclamations", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "neutral", Score: -0.1}}, "到底什么时候到！！！", State{}, "anger"},
		{"ascii exclamations", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "negative", Score: -0.3}}, "where is it!!!", State{}, "anger"},
		{"happy exclamations", Understanding{Intent: "thanks", Confidence: 0.9, Sentiment: Feeling{Polarity: "positive", Score: 0.9}}, "谢谢！！！", State{}, ""},
		{"two exclamations", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "neutral"}}, "到哪了！！", State{}, ""},
		{"all caps", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "neutral", Signals: []string{"all_caps"}}}, "WHERE IS MY ORDER", State{}, "anger"},
	}
	for _, c := range cases {
		if got := p.shouldHandOffNow(c.u, c.text, c.st); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	p.AngerHandoff = false
	if got := p.shouldHandOffNow(cases[2].u, cases[2].text, cases[2].st); got != "" {
		t.Errorf("anger handoff switched off still fired: %q", got)
	}
}

func TestAddressIn(t *testing.T) {
	cases := map[string]string{
		"麻烦把订单KF20261122013的收货地址改成北京市朝阳区建国路88号SOHO现代城2号楼":                                               "北京市朝阳区建国路88号SOHO现代城2号楼",
		"地址改为：浙江省杭州市西湖区文三路90号":                                                                          "浙江省杭州市西湖区文三路90号",
		"please change the address of order KF20261121213 to 5 Park Avenue, Chaoyang District, Beijing": "5 Park Avenue, Chaoyang District, Beijing",
		"我想修改一下收货地址":                                        "",
		"I need to change the delivery address on my order": "",
		"KF20261114014 收货地址能改成公司地址吗":                        "",
		"change the address to the office":                  "",
	}
	for in, want := range cases {
		if got := addressIn(in); got != want {
			t.Errorf("addressIn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisputesAndExit(t *testing.T) {
	for _, s := range []string{"凭什么不能退？我不接受", "that's not fair, I want an exception", "为什么不能退"} {
		if !disputes(s) {
			t.Errorf("disputes(%q) = false", s)
		}
	}
	for _, s := range []string{"那算了", "ok fine", "好的谢谢"} {
		if disputes(s) {
			t.Errorf("disputes(%q) = true", s)
		}
	}
	for _, s := range []string{"算了不改了", "never mind", "forget it, I'll keep it", "算了，不退了"} {
		if !isExit(s) {
			t.Errorf("isExit(%q) = false", s)
		}
	}
}

func TestPhotosCountOnlyUploads(t *testing.T) {
	if n := photos([]string{"attachment:3", "described:我拍了照片", "message:9"}); n != 2 {
		t.Errorf("photos = %d, want 2", n)
	}
	if got := appendNew([]string{"a"}, "a", "b", "b"); len(got) != 2 {
		t.Errorf("appendNew = %v", got)
	}
	for in, want := range map[string]bool{"[图片]": true, " [image] ": true, "": true, "图片里是破损的地方": false} {
		if got := isPhotoPlaceholder(in); got != want {
			t.Errorf("isPhotoPlaceholder(%q) = %v", in, got)
		}
	}
}

func TestAddressParsing(t *testing.T) {
	if !looksLikeAddress("浙江省杭州市西湖区文三路90号") || looksLikeAddress("好的") || looksLikeAddress("是的是的是的") {
		t.Error("looksLikeAddress")
	}
	if !looksLikeAddress("12 Baker Street, London") {
		t.Error("english address")
	}
	a := parseAddress("浙江省杭州市西湖区文三路90号5栋")
	if a.Province != "浙江省" || a.City != "杭州市" || a.District != "西湖区" || a.Line != "浙江省杭州市西湖区文三路90号5栋" {
		t.Errorf("parseAddress = %+v", a)
	}
}

func TestStateRoundTripAndBoundedAttempts(t *testing.T) {
	var s State
	for i := 0; i < 30; i++ {
		s.tried("x")
	}
	if len(s.Attempts) != 12 {
		t.Fatalf("attempts grew to %d", len(s.Attempts))
	}
	s.Flow, s.OrderNumber = "cancel_order", "KF20261101001"
	got := LoadState(s.JSON())
	if got.Flow != s.Flow || got.OrderNumber != s.OrderNumber {
		t.Fatalf("round trip: %+v", got)
	}
	if LoadState("{not json").Flow != "" {
		t.Fatal("garbage state should start fresh")
	}
}

func TestItemsNamedAndMoneyBack(t *testing.T) {
	o := &commerce.Order{Items: []commerce.Item{{SKU: "UND-SCK-01", Title: "纯棉袜子5双装"}, {SKU: "APP-TEE-02", Title: "速干T恤"}, {SKU: "APP-SHT-02", Title: "Oxford Shirt"}}}
	cases := map[string][]string{
		"包裹收到了，但是少发了一件T恤":                {"APP-TEE-02"},
		"袜子和T恤都少了":                       {"UND-SCK-01", "APP-TEE-02"},
		"one of the 2 shirts is missing": {"APP-SHT-02"},
		"我要退货":                           nil,
		"the box was crushed":            nil,
	}
	for in, want := range cases {
		if got := itemsNamed(o, in); !slices.Equal(got, want) {
			t.Errorf("itemsNamed(%q) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]bool{"my earbuds stopped working, I want a refund": true, "耳机坏了想退货": true, "耳机坏了能修吗": false, "it stopped working": false} {
		if got := wantsMoneyBack(in); got != want {
			t.Errorf("wantsMoneyBack(%q) = %v", in, got)
		}
	}
}

func TestOrdinal(t *testing.T) {
	cases := map[string]int{"第二个": 2, "2": 2, "the second one": 2, "第一个吧": 1, "the latest one": 1, "最近那个": 1, "3.": 3,
		"KF20261101001": 0, "我的快递到哪了": 0, "": 0, "I bought it second hand and the first time it worked, now it doesn't": 0}
	for in, want := range cases {
		if got := ordinal(in); got != want {
			t.Errorf("ordinal(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestUnderstood(t *testing.T) {
	min := DefaultHandoffPolicy().MinConfidence
	cases := []struct {
		intent string
		conf   float64
		text   string
		want   bool
	}{
		{"order_status", 0.9, "我的快递到哪了", true},
		{"oos", 0.99, "今天天气怎么样", false},
		{"return_request", 0.42, "耳机左边没声音了，质量问题想退货", true},                        // unsure, but the words say return + fault
		{"damaged_item", 0.3, "the vase arrived cracked", true},                   // a fault
		{"missing_item", 0.42, "hmm the thing with the stuff from before", false}, // nothing settles it
		{"exchange_request", 0.4, "这件衣服码数偏大吗", false},                             // a size question, not a fault
		{"order_status", 0.3, "我要退货", false},                                      // only after-sales guesses are settled by words
	}
	for _, c := range cases {
		if got := understood(Understanding{Intent: c.intent, Confidence: c.conf}, c.text, min); got != c.want {
			t.Errorf("understood(%s %.2f, %q) = %v, want %v", c.intent, c.conf, c.text, got, c.want)
		}
	}
}

func TestAsksForRefund(t *testing.T) {
	cases := []struct {
		text string
		top  []Scored
		want bool
	}{
		{"还在路上的那个订单我不想要了，能直接退款吗", nil, true},
		{"cancel it and give me my money back", nil, true},
		{"帮我把订单取消了", nil, false},
		{"I need to cancel my order", []Scored{{"cancel_order", 0.8}, {"refund_request", 0.1}}, false},
		{"不要了", []Scored{{"cancel_order", 0.5}, {"refund_request", 0.3}}, true},
	}
	for _, c := range cases {
		tn := &turn{in: Input{Text: c.text}, u: Understanding{Top: c.top}}
		if got := tn.asksForRefund(); got != c.want {
			t.Errorf("asksForRefund(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
