package ticket

import (
	"slices"
	"testing"
)

func codes(rs []Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestComputePriority(t *testing.T) {
	cases := []struct {
		name  string
		in    Input
		want  Priority
		codes []string // every reason expected, in order, before the final "score"
		score int
	}{
		{"product question is low", Input{Category: CategoryOther, Intent: "product_inquiry"}, PriorityLow, nil, 0},
		{"invoice request is low", Input{Category: CategoryInvoice}, PriorityLow, []string{"category_invoice"}, 5},
		{"plain logistics question is normal", Input{Category: CategoryLogistics, Intent: "order_status"}, PriorityNormal, []string{"category_logistics"}, 10},
		{"urging shipment adds intent points", Input{Category: CategoryLogistics, Intent: "urge_shipment"}, PriorityNormal, []string{"category_logistics", "intent_urge_shipment"}, 15},
		{"complaint is normal on its own", Input{Category: CategoryComplaint}, PriorityNormal, []string{"category_complaint"}, 30},
		{"angry complaint is high", Input{Category: CategoryComplaint, Anger: true}, PriorityHigh, []string{"category_complaint", "anger"}, 55},
		{"angry VIP complaint is urgent", Input{Category: CategoryComplaint, Anger: true, Tier: "vip"}, PriorityUrgent, []string{"category_complaint", "anger", "tier_vip"}, 80},
		{"negative sentiment", Input{Category: CategoryQuality, SentimentScore: -0.4}, PriorityNormal, []string{"category_quality", "sentiment_negative"}, 30},
		{"very negative sentiment", Input{Category: CategoryQuality, SentimentScore: -0.8}, PriorityHigh, []string{"category_quality", "sentiment_very_negative"}, 40},
		{"sentiment boundary -0.3 counts", Input{Category: CategoryOther, SentimentScore: -0.3}, PriorityNormal, []string{"sentiment_negative"}, 10},
		{"mild sentiment ignored", Input{Category: CategoryOther, SentimentScore: -0.29}, PriorityLow, nil, 0},
		{"urgency", Input{Category: CategoryRefund, Urgency: true}, PriorityNormal, []string{"category_refund", "urgency"}, 30},
		{"gold refund", Input{Category: CategoryRefund, Tier: "gold"}, PriorityNormal, []string{"category_refund", "tier_gold"}, 30},
		{"VIP refund is high", Input{Category: CategoryRefund, Tier: "VIP"}, PriorityHigh, []string{"category_refund", "tier_vip"}, 40},
		{"regular tier adds nothing", Input{Category: CategoryRefund, Tier: "regular"}, PriorityNormal, []string{"category_refund"}, 15},
		{"high order value", Input{Category: CategoryReturn, OrderValue: 100_000}, PriorityNormal, []string{"category_return", "order_value_high"}, 20},
		{"just under high value", Input{Category: CategoryReturn, OrderValue: 99_999}, PriorityNormal, []string{"category_return"}, 10},
		{"very high order value", Input{Category: CategoryReturn, OrderValue: 800_000}, PriorityNormal, []string{"category_return", "order_value_very_high"}, 30},
		{"SLA at risk", Input{Category: CategoryLogistics, SLARisk: 0.8}, PriorityNormal, []string{"category_logistics", "sla_at_risk"}, 30},
		{"SLA breached makes a question high", Input{Category: CategoryLogistics, SLARisk: 1.2}, PriorityHigh, []string{"category_logistics", "sla_breached"}, 50},
		{"repeat contacts capped at 3", Input{Category: CategoryLogistics, RepeatContacts: 9}, PriorityNormal, []string{"category_logistics", "repeat_contact"}, 25},
		{"unknown category counts as other", Input{Category: "shoes"}, PriorityLow, nil, 0},
		{"everything at once", Input{Category: CategoryQuality, Intent: "human_agent", SentimentScore: -0.9, Anger: true,
			Urgency: true, Tier: "vip", OrderValue: 1_000_000, SLARisk: 1, RepeatContacts: 2}, PriorityUrgent,
			[]string{"category_quality", "intent_human_agent", "sentiment_very_negative", "anger", "urgency", "tier_vip", "order_value_very_high", "sla_breached", "repeat_contact"}, 20 + 5 + 20 + 25 + 15 + 25 + 20 + 40 + 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, reasons := ComputePriority(tc.in)
			if p != tc.want {
				t.Errorf("priority = %s, want %s (reasons %v)", p, tc.want, codes(reasons))
			}
			last := reasons[len(reasons)-1]
			if last.Code != "score" || last.Points != tc.score {
				t.Errorf("final reason = %+v, want score %d", last, tc.score)
			}
			if got := codes(reasons[:len(reasons)-1]); !slices.Equal(got, tc.codes) {
				t.Errorf("reasons = %v, want %v", got, tc.codes)
			}
			for _, r := range reasons {
				if r.ZH == "" || r.EN == "" {
					t.Errorf("reason %s lacks a text", r.Code)
				}
			}
		})
	}
}

// More signals never lower the priority: each boolean or threshold only adds points.
func TestPriorityMonotone(t *testing.T) {
	base := Input{Category: CategoryLogistics}
	pBase, _ := ComputePriority(base)
	bumps := []func(*Input){
		func(in *Input) { in.Anger = true },
		func(in *Input) { in.Urgency = true },
		func(in *Input) { in.Tier = "vip" },
		func(in *Input) { in.SentimentScore = -1 },
		func(in *Input) { in.OrderValue = 1 << 40 },
		func(in *Input) { in.SLARisk = 5 },
		func(in *Input) { in.RepeatContacts = 1 },
	}
	for i, bump := range bumps {
		in := base
		bump(&in)
		if p, _ := ComputePriority(in); p.Rank() < pBase.Rank() {
			t.Errorf("bump %d lowered priority %s → %s", i, pBase, p)
		}
	}
}

func TestPriorityRulesValidateAndParse(t *testing.T) {
	if err := DefaultPriorityRules().Validate(); err != nil {
		t.Fatal(err)
	}
	r := DefaultPriorityRules()
	r.High = r.Urgent
	if err := r.Validate(); err == nil {
		t.Fatal("unordered thresholds accepted")
	}
	r = DefaultPriorityRules()
	r.VeryNegative, r.Negative = 0, -0.5
	if err := r.Validate(); err == nil {
		t.Fatal("unordered sentiment thresholds accepted")
	}
	r = DefaultPriorityRules()
	r.VeryHighValue = 1
	if err := r.Validate(); err == nil {
		t.Fatal("unordered value thresholds accepted")
	}
	for _, p := range Priorities {
		if got, err := ParsePriority(" " + string(p)); err != nil || got != p {
			t.Errorf("ParsePriority(%s) = %s %v", p, got, err)
		}
	}
	if _, err := ParsePriority("critical"); err == nil {
		t.Fatal("unknown priority accepted")
	}
	if PriorityUrgent.Label("zh") != "紧急" || PriorityLow.Label("en") != "low" {
		t.Fatal("labels")
	}
	if yuan(123456789) != "¥1,234,567.89" || yuan(5) != "¥0.05" || yuan(-100) != "-¥1.00" {
		t.Fatalf("yuan: %s %s %s", yuan(123456789), yuan(5), yuan(-100))
	}
}
