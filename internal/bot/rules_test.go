package bot

import (
	"testing"

	"kefu/internal/aftersales"
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
	cases := []struct {
		name string
		u    Understanding
		want string
	}{
		{"explicit", Understanding{Intent: "human_agent", Confidence: 0.9}, "explicit_request"},
		{"explicit but unsure", Understanding{Intent: "human_agent", Confidence: 0.2}, ""},
		{"anger", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "negative", Score: -0.5, Anger: true}}, "anger"},
		{"very negative", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "negative", Score: -0.95}}, "negative_sentiment"},
		{"mildly negative", Understanding{Intent: "order_status", Confidence: 0.9, Sentiment: Feeling{Polarity: "negative", Score: -0.4}}, ""},
		{"calm", Understanding{Intent: "order_status", Confidence: 0.9}, ""},
	}
	for _, c := range cases {
		if got := p.shouldHandOffNow(c.u); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	p.AngerHandoff = false
	if got := p.shouldHandOffNow(cases[2].u); got != "" {
		t.Errorf("anger handoff switched off still fired: %q", got)
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
