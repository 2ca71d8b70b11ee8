package aftersales

import (
	"strings"
	"testing"
)

func TestCaseMessagesCoverEveryState(t *testing.T) {
	for _, k := range Kinds {
		seen := map[string]State{}
		for _, s := range States(k) {
			c := Case{Kind: k, State: s, ReturnTracking: "SF1234567890", OutboundTracking: "YT9988776655", Refunded: 12_345, LastNote: "超出期限"}
			m := CaseMessage("AS-88", c)
			for lang, text := range map[string]string{"zh": m.In("zh-CN"), "en": m.In("en")} {
				if !strings.Contains(text, "AS-88") {
					t.Errorf("%s/%s/%s does not name the case: %q", k, s, lang, text)
				}
				if prev, dup := seen[text]; dup {
					t.Errorf("%s: %s and %s share %q", k, prev, s, text)
				}
				seen[text] = s
			}
			switch s {
			case StateReturnInTransit:
				if !strings.Contains(m.ZH, "SF1234567890") || !strings.Contains(m.EN, "SF1234567890") {
					t.Errorf("%s: in-transit message lacks the tracking number", k)
				}
			case StateReshipped, StateReturnedToCustomer:
				if !strings.Contains(m.EN, "YT9988776655") {
					t.Errorf("%s: %s message lacks the outbound tracking number", k, s)
				}
			case StateRefunded:
				if !strings.Contains(m.ZH, "¥123.45") || !strings.Contains(m.EN, "¥123.45") {
					t.Errorf("%s: refund message lacks the amount: %q", k, m.EN)
				}
			case StateRejected:
				if !strings.Contains(m.ZH, "超出期限") || !strings.Contains(m.ZH, "申诉") {
					t.Errorf("%s: rejection should give the reason and the appeal option: %q", k, m.ZH)
				}
			}
		}
	}
	appealed := CaseMessage("AS-1", Case{Kind: KindReturn, State: StateRejected, Appeals: MaxAppeals})
	if strings.Contains(appealed.EN, "appeal") {
		t.Error("no appeal offer after the last appeal")
	}
	for _, o := range []Outcome{OutcomeAutoApprove, OutcomeNeedsReview, OutcomeReject} {
		m := DecisionMessage("AS-2", KindReturn, Decision{Outcome: o, ReasonZH: "理由", ReasonEN: "why"})
		if !strings.Contains(m.ZH, "AS-2") || !strings.Contains(m.EN, "AS-2") {
			t.Errorf("%s decision message: %+v", o, m)
		}
	}
	if KindRefundOnly.Label("zh") != "仅退款" || KindRepair.Label("en") != "repair" {
		t.Error("labels")
	}
}
