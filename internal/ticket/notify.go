package ticket

import (
	"fmt"
	"kefu/internal/i18n"
	"strings"
)

// Message is a customer-facing text in both languages; In picks the customer's.
type Message = i18n.Text

// StatusMessage is what the customer is told when their ticket moves to a status. ref is the
// ticket's public reference (e.g. "T-1024"). Texts avoid internal words like "on hold" and say
// what happens next, because that is what a waiting customer wants to know.
func StatusMessage(ref string, to Status) Message {
	ref = strings.TrimSpace(ref)
	switch to {
	case StatusNew:
		return Message{
			ZH: fmt.Sprintf("我们已收到您的问题，工单号 %s。客服会尽快处理，请留意本对话的消息。", ref),
			EN: fmt.Sprintf("We have received your request (ticket %s). An agent will look at it shortly; replies will appear in this conversation.", ref),
		}
	case StatusOpen:
		return Message{
			ZH: fmt.Sprintf("客服正在处理您的工单 %s。", ref),
			EN: fmt.Sprintf("An agent is now working on your ticket %s.", ref),
		}
	case StatusPending:
		return Message{
			ZH: fmt.Sprintf("处理工单 %s 还需要您提供一些信息，请直接在本对话中回复。", ref),
			EN: fmt.Sprintf("We need a little more information from you to continue with ticket %s. Please reply in this conversation.", ref),
		}
	case StatusOnHold:
		return Message{
			ZH: fmt.Sprintf("工单 %s 正在等待第三方（如快递公司或厂家）处理，有进展我们会第一时间通知您。", ref),
			EN: fmt.Sprintf("Ticket %s is waiting on a third party (such as the carrier or manufacturer). We will update you as soon as there is news.", ref),
		}
	case StatusResolved:
		return Message{
			ZH: fmt.Sprintf("您的工单 %s 已处理完毕。如果问题仍未解决，直接回复即可重新打开。", ref),
			EN: fmt.Sprintf("Your ticket %s has been resolved. If anything is still wrong, just reply and we will reopen it.", ref),
		}
	case StatusClosed:
		return Message{
			ZH: fmt.Sprintf("工单 %s 已关闭，感谢您的耐心。如有新的问题，欢迎随时联系我们。", ref),
			EN: fmt.Sprintf("Ticket %s is now closed. Thank you for your patience; contact us any time if something new comes up.", ref),
		}
	}
	return Message{
		ZH: fmt.Sprintf("您的工单 %s 状态已更新。", ref),
		EN: fmt.Sprintf("Your ticket %s has been updated.", ref),
	}
}

// CSATRequestMessage asks the customer to rate a resolved ticket; it is the text of the
// rating card in the chat (and the opening of the e-mail, which adds the link).
func CSATRequestMessage(ref string) Message {
	ref = strings.TrimSpace(ref)
	return Message{
		ZH: fmt.Sprintf("工单 %s 已处理完毕。请为本次服务打分（1-5 分，5 分为非常满意），也欢迎留下您的意见。", ref),
		EN: fmt.Sprintf("Ticket %s is resolved. How did we do? Please rate us from 1 to 5 (5 = very satisfied) and tell us more if you like.", ref),
	}
}

// CSATThanksMessage confirms a rating to the customer. A low score says what happens next:
// the published policy promises a supervisor follow-up within 24 hours.
func CSATThanksMessage(ref string, score int) Message {
	ref = strings.TrimSpace(ref)
	if NeedsFollowUp(score) {
		return Message{
			ZH: fmt.Sprintf("已收到您对工单 %s 的评分（%d/5）。很抱歉这次没能让您满意，主管会在 24 小时内联系您跟进。", ref, score),
			EN: fmt.Sprintf("We have your rating of %d/5 for ticket %s. We are sorry we fell short; a supervisor will contact you within 24 hours.", score, ref),
		}
	}
	return Message{
		ZH: fmt.Sprintf("感谢您对工单 %s 的评分（%d/5）！您的反馈会帮助我们做得更好。", ref, score),
		EN: fmt.Sprintf("Thank you for rating ticket %s (%d/5)! Your feedback helps us do better.", ref, score),
	}
}
