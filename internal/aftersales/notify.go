package aftersales

import (
	"fmt"
	"strings"
	"time"

	"kefu/internal/i18n"
)

// Message is a customer-facing text in both languages; In picks the customer's.
type Message = i18n.Text

var kindNames = map[Kind][2]string{
	KindReturn: {"退货退款", "return"}, KindRefundOnly: {"仅退款", "refund"}, KindExchange: {"换货", "exchange"},
	KindRepair: {"维修", "repair"}, KindPriceProtection: {"价保", "price protection"}, KindComplaint: {"投诉", "complaint"},
}

// Label is the kind's display name.
func (k Kind) Label(lang string) string {
	n, ok := kindNames[k]
	if !ok {
		return string(k)
	}
	return Message{ZH: n[0], EN: n[1]}.In(lang)
}

// CaseMessage is what the customer is told when their case enters its current state. ref is
// the case's public reference (e.g. "AS-88"). Each text says what happens next and what, if
// anything, the customer has to do.
func CaseMessage(ref string, c Case) Message {
	zk, ek := c.Kind.Label("zh"), c.Kind.Label("en")
	ref = strings.TrimSpace(ref)
	switch c.State {
	case StateRequested:
		return Message{
			ZH: fmt.Sprintf("您的%s申请 %s 已提交，我们会尽快审核并通知您结果。", zk, ref),
			EN: fmt.Sprintf("Your %s request %s has been submitted. We will review it and let you know.", ek, ref),
		}
	case StateOpen:
		return Message{
			ZH: fmt.Sprintf("您的投诉 %s 已受理，专人会跟进处理。", ref),
			EN: fmt.Sprintf("Your complaint %s has been registered; a dedicated agent will follow up.", ref),
		}
	case StateApproved:
		switch c.Kind {
		case KindRefundOnly, KindPriceProtection:
			return Message{
				ZH: fmt.Sprintf("您的%s申请 %s 已通过，退款将尽快原路退回。", zk, ref),
				EN: fmt.Sprintf("Your %s request %s has been approved; the money will be refunded to your original payment method shortly.", ek, ref),
			}
		default:
			return Message{
				ZH: fmt.Sprintf("您的%s申请 %s 已通过，我们马上会发送寄回地址。", zk, ref),
				EN: fmt.Sprintf("Your %s request %s has been approved. We will send you the return address shortly.", ek, ref),
			}
		}
	case StateRejected:
		why := strings.TrimSpace(c.LastNote)
		m := Message{
			ZH: fmt.Sprintf("很抱歉，您的%s申请 %s 未能通过。", zk, ref),
			EN: fmt.Sprintf("Sorry, your %s request %s was not approved.", ek, ref),
		}
		if why != "" {
			m.ZH += "原因：" + why + "。"
			m.EN += " Reason: " + why + "."
		}
		if c.Appeals < MaxAppeals {
			m.ZH += "如有异议，可在本对话中提出申诉。"
			m.EN += " If you disagree, you can appeal in this conversation."
		}
		return m
	case StateAwaitingReturnShipment:
		if !c.ReturnDueAt.IsZero() {
			return Message{
				ZH: fmt.Sprintf("请于 %s 前将商品寄回（%s %s），寄出后在本对话中提交快递单号；逾期未寄回，申请将自动关闭。", deadlineText(c.ReturnDueAt), zk, ref),
				EN: fmt.Sprintf("Please send the item back by %s (%s %s) and reply here with the tracking number once shipped; after that date the request closes.", deadlineText(c.ReturnDueAt), ek, ref),
			}
		}
		return Message{
			ZH: fmt.Sprintf("请将商品寄回（%s %s），寄出后在本对话中提交快递单号。", zk, ref),
			EN: fmt.Sprintf("Please send the item back (%s %s) and reply here with the tracking number once shipped.", ek, ref),
		}
	case StateExpired:
		m := Message{
			ZH: fmt.Sprintf("由于在期限内未收到寄回的快递单号，您的%s申请 %s 已过期关闭。", zk, ref),
			EN: fmt.Sprintf("We did not receive a return tracking number in time, so your %s request %s has expired.", ek, ref),
		}
		if c.ReturnReopens < MaxReturnReopens {
			m.ZH += "如仍需办理，请在本对话中回复，我们可为您重新开启一次。"
			m.EN += " If you still want to send it back, reply here and we can reopen it once."
		} else {
			m.ZH += "如需帮助，请联系客服。"
			m.EN += " If you need help, please contact us."
		}
		return m
	case StateReturnInTransit:
		return Message{
			ZH: fmt.Sprintf("已收到您的退回快递单号 %s，我们会在签收后尽快处理（%s）。", c.ReturnTracking, ref),
			EN: fmt.Sprintf("Thanks, we have your return tracking number %s and will process it as soon as it arrives (%s).", c.ReturnTracking, ref),
		}
	case StateReceived:
		return Message{
			ZH: fmt.Sprintf("我们已收到您寄回的商品，正在检查（%s）。", ref),
			EN: fmt.Sprintf("We have received the item you sent back and are checking it (%s).", ref),
		}
	case StateInspected:
		next := Message{ZH: "退款即将发起", EN: "your refund will be issued next"}
		if c.Kind == KindExchange {
			next = Message{ZH: "新商品即将发出", EN: "the replacement will ship next"}
		}
		return Message{
			ZH: fmt.Sprintf("商品检查通过，%s（%s）。", next.ZH, ref),
			EN: fmt.Sprintf("The item passed inspection; %s (%s).", next.EN, ref),
		}
	case StateRefunded:
		return Message{
			ZH: fmt.Sprintf("已为您退款 %s，将原路退回，通常 1-3 个工作日到账（%s）。", c.Refunded, ref),
			EN: fmt.Sprintf("We have refunded %s to your original payment method; it usually arrives within 1-3 business days (%s).", c.Refunded, ref),
		}
	case StateReshipped:
		return Message{
			ZH: fmt.Sprintf("换货商品已发出，快递单号 %s（%s）。", c.OutboundTracking, ref),
			EN: fmt.Sprintf("Your replacement has shipped, tracking number %s (%s).", c.OutboundTracking, ref),
		}
	case StateRepairing:
		return Message{
			ZH: fmt.Sprintf("您的商品正在维修中，修好后会第一时间寄回（%s）。", ref),
			EN: fmt.Sprintf("Your item is being repaired and will be sent back as soon as it is done (%s).", ref),
		}
	case StateReturnedToCustomer:
		return Message{
			ZH: fmt.Sprintf("维修完成，商品已寄回，快递单号 %s（%s）。", c.OutboundTracking, ref),
			EN: fmt.Sprintf("The repair is done and your item is on its way back, tracking number %s (%s).", c.OutboundTracking, ref),
		}
	case StateInvestigating:
		return Message{
			ZH: fmt.Sprintf("我们正在调查您反映的问题（%s），有结果会立即告知您。", ref),
			EN: fmt.Sprintf("We are looking into the issue you raised (%s) and will tell you as soon as we know more.", ref),
		}
	case StateResolved:
		return Message{
			ZH: fmt.Sprintf("您的投诉 %s 已处理完毕。如仍不满意，直接回复即可重新打开。", ref),
			EN: fmt.Sprintf("Your complaint %s has been resolved. If you are still not satisfied, just reply to reopen it.", ref),
		}
	case StateClosed:
		return Message{
			ZH: fmt.Sprintf("您的%s %s 已完成，感谢您的耐心与支持。", zk, ref),
			EN: fmt.Sprintf("Your %s %s is complete. Thank you for your patience.", ek, ref),
		}
	case StateCancelled:
		return Message{
			ZH: fmt.Sprintf("您的%s申请 %s 已取消。", zk, ref),
			EN: fmt.Sprintf("Your %s request %s has been cancelled.", ek, ref),
		}
	}
	return Message{
		ZH: fmt.Sprintf("您的%s %s 有新进展。", zk, ref),
		EN: fmt.Sprintf("There is an update on your %s %s.", ek, ref),
	}
}

// DecisionMessage tells the customer what the policy engine decided when the case was filed.
func DecisionMessage(ref string, k Kind, d Decision) Message {
	switch d.Outcome {
	case OutcomeAutoApprove:
		return Message{
			ZH: fmt.Sprintf("您的%s申请 %s 已自动通过：%s。", k.Label("zh"), ref, d.ReasonZH),
			EN: fmt.Sprintf("Your %s request %s was approved automatically: %s.", k.Label("en"), ref, d.ReasonEN),
		}
	case OutcomeReject:
		return Message{
			ZH: fmt.Sprintf("您的%s申请 %s 暂不符合售后政策：%s。", k.Label("zh"), ref, d.ReasonZH),
			EN: fmt.Sprintf("Your %s request %s does not meet our after-sales policy: %s.", k.Label("en"), ref, d.ReasonEN),
		}
	}
	return Message{
		ZH: fmt.Sprintf("您的%s申请 %s 已提交，客服会尽快审核。", k.Label("zh"), ref),
		EN: fmt.Sprintf("Your %s request %s has been submitted and will be reviewed shortly.", k.Label("en"), ref),
	}
}

// deadlineText shows a deadline as the policy counts it: Beijing time, to the minute.
func deadlineText(t time.Time) string {
	return t.In(policyMonth).Format("2006-01-02 15:04") + " (UTC+8)"
}

// ReturnReminderMessage reminds the customer the goods must be shipped back by due.
func ReturnReminderMessage(ref string, k Kind, due time.Time) Message {
	ref = strings.TrimSpace(ref)
	return Message{
		ZH: fmt.Sprintf("提醒：您的%s %s 还没有收到寄回的快递单号。请于 %s 前寄出商品并在本对话中提交单号，逾期申请将自动关闭。", k.Label("zh"), ref, deadlineText(due)),
		EN: fmt.Sprintf("Reminder: we have no return tracking number yet for your %s %s. Please ship the item by %s and reply here with the tracking number, or the request will close.", k.Label("en"), ref, deadlineText(due)),
	}
}
