package bot

import (
	"fmt"
	"strings"
	"time"
)

// texts holds every sentence the bot says, in Chinese and English, so a reply is always in the
// customer's language and a translator finds them in one place.
var texts = map[string][2]string{
	"greeting":               {"您好，我是智能客服小服 😊 可以帮您查订单物流、催发货、取消订单、改地址、退换货和退款。请问有什么可以帮您？", "Hi, I'm the shop assistant 😊 I can track orders, urge shipping, cancel orders, change addresses, and handle returns, exchanges and refunds. How can I help?"},
	"thanks":                 {"不客气，很高兴能帮到您！还有其他问题随时找我。", "You're welcome, glad I could help! Anything else, just ask."},
	"goodbye":                {"感谢您的咨询，祝您生活愉快，再见！", "Thanks for chatting with us. Have a great day, goodbye!"},
	"not_sure":               {"抱歉，我不太确定您的意思。您可以换个说法，或者选择下面的常见问题：", "Sorry, I'm not sure I understood. Could you rephrase, or pick one of these:"},
	"out_of_scope":           {"抱歉，这个问题我不太确定，也不在我能帮忙的范围内。我可以帮您查订单物流、处理退换货和退款：", "Sorry, I'm not sure about that; it's outside what I can help with. I can help with orders, delivery, returns and refunds:"},
	"low_confidence_handoff": {"抱歉，我还是没能理解您的问题，为您转接人工客服。", "Sorry, I still didn't understand. Let me get a person to help you."},
	"exception_review":       {"理解您的心情。这个结果是按售后政策自动判断的，我请专人为您看看能否特殊处理。", "I understand. That answer comes from the after-sales policy; let me ask a person to see whether an exception is possible."},
	"not_sure_kb":            {"抱歉，我不太确定。这些内容可能对您有帮助：", "I'm not sure, but these might help:"},
	"ask_order":              {"请问是哪一个订单呢？请选择下面的订单，或直接发送订单号（如 KF20261101001）。", "Which order is it? Pick one below or send the order number (e.g. KF20261101001)."},
	"ask_order_anon":         {"请发送您的订单号（如 KF20261101001），我来帮您查询。", "Please send your order number (e.g. KF20261101001) and I'll look it up."},
	"need_login":             {"为了保护您的账户安全，这项操作需要您先登录商城账号，或者我为您转接人工客服。", "To keep your account safe, please sign in to the shop first for this, or I can connect you to an agent."},
	"order_not_found":        {"没有找到订单 %s，请核对订单号是否正确。", "I couldn't find order %s. Please check the number."},
	"order_not_yours":        {"没有在您的账户下找到订单 %s，请核对订单号。", "Order %s isn't on your account. Please check the number."},
	"no_orders":              {"您的账户下暂时没有订单记录。", "I don't see any orders on your account yet."},
	"status_line":            {"订单 %s 当前状态：%s。", "Order %s is %s."},
	"logistics_line":         {"承运商：%s，运单号：%s。最新物流：%s %s %s。", " Carrier: %s, tracking number %s. Latest update: %s %s %s."},
	"no_logistics":           {"订单还在仓库准备中，发货后会第一时间通知您。", " It's still being prepared at the warehouse; we'll tell you as soon as it ships."},
	"unpaid_hint":            {"订单还未付款，付款后仓库才会安排发货（未付款订单 30 分钟后自动关闭）。", " It hasn't been paid yet; it ships once payment is made (unpaid orders close automatically after 30 minutes)."},
	"urge_done":              {"已帮您催促仓库尽快发货 🚚 订单 %s 付款于 %s，一般 48 小时内发出，发货后会通知您。", "I've asked the warehouse to hurry 🚚 Order %s was paid on %s; orders usually ship within 48 hours and we'll notify you."},
	"urge_shipped":           {"好消息，订单 %s 已经发货啦！", "Good news, order %s has already shipped!"},
	"urge_unpaid":            {"订单 %s 还未付款，付款后仓库才会安排发货哦。", "Order %s hasn't been paid yet; it ships once payment is made."},
	"urge_closed":            {"订单 %s 当前状态是%s，不需要催发货。", "Order %s is %s, so there's nothing to hurry."},
	"cancel_confirm":         {"确认要取消订单 %s（%s，共 ¥%s）吗？取消后款项将原路退回。", "Cancel order %s (%s, ¥%s total)? Any payment goes back to the original method."},
	"cancel_done":            {"订单 %s 已取消。%s", "Order %s is cancelled. %s"},
	"cancel_refund":          {"¥%s 将在 1–3 个工作日内原路退回。", "¥%s will be refunded to your original payment method within 1–3 business days."},
	"cancel_too_late":        {"订单 %s 当前状态为%s，已经无法直接取消。您可以在收货后申请退货退款。", "Order %s is already %s, so it can't be cancelled. You can request a return once it arrives."},
	"cancel_kept":            {"好的，订单 %s 保持不变。", "OK, order %s stays as it is."},
	"ask_address":            {"请发送新的收货地址（省、市、区和详细地址，可附收件人和电话）。", "Please send the new delivery address (province, city, district and street; recipient and phone optional)."},
	"address_confirm":        {"确认将订单 %s 的收货地址改为：%s？", "Change the delivery address of order %s to: %s?"},
	"address_done":           {"订单 %s 的收货地址已修改为：%s。", "The delivery address of order %s is now: %s."},
	"address_too_late":       {"订单 %s 当前状态为%s，已经无法在线修改地址。我可以帮您转人工联系快递尝试改派。", "Order %s is already %s, so the address can't be changed here. I can hand you to an agent to ask the courier to redirect it."},
	"address_bad":            {"这个地址好像不完整，请包含省市区和详细街道门牌。", "That address looks incomplete; please include the city and the street address."},
	"ask_reason":             {"请问申请的原因是？", "What's the reason?"},
	"ask_evidence":           {"为您办理%s需要商品问题的照片，请上传至少 1 张（如破损、瑕疵处）。", "To request a %s I need a photo of the problem (the damage or defect); please upload at least one."},
	"evidence_thanks":        {"已收到照片，谢谢！", "Got the photo, thanks!"},
	"evidence_again":         {"处理这类问题需要至少 %d 张商品问题的照片（拍商品本身即可，不需要外包装）。方便时直接发送照片，我会继续为您提交。", "For this kind of problem we need at least %d photo of the problem (a photo of the item itself is fine, no box needed). Send it whenever you can and I'll carry on."},
	"photo_received":         {"已收到您的图片。请问商品遇到了什么问题？", "Got your photo. What's the problem with the item?"},
	"accepted":               {"好的，理解。还有什么可以帮您的吗？", "OK, understood. Is there anything else I can help with?"},
	"amount_line":            {"金额 ¥%s。", "Amount: ¥%s. "},
	"case_opened":            {"已为您提交%s申请，单号 %s。%s", "Your %s request is submitted, reference %s. %s"},
	"case_rejected":          {"很抱歉，这个订单暂时无法申请%s：%s。", "Sorry, I can't open a %s request for this order: %s."},
	"case_suggest":           {"您可以改为申请%s。", " You could ask for a %s instead."},
	"next_auto":              {"申请已自动通过，%s", "It's approved automatically. %s"},
	"next_rejected":          {"很抱歉，申请未能通过政策审核；如有疑问，可以回复“转人工”。", "Sorry, it did not pass the policy check; reply \"talk to a person\" if you disagree."},
	"next_review":            {"售后专员会在 24 小时内审核，结果会第一时间通知您。", "An after-sales specialist will review it within 24 hours and we'll let you know."},
	"next_ship_back":         {"请在 7 天内寄回商品并提供退货运单号，退货运费由%s承担。", "Please ship the item back within 7 days and send us the return tracking number; return shipping is paid by %s."},
	"next_refund":            {"退款将在审核通过后 1–3 个工作日原路退回。", "The refund goes back to your original payment method within 1–3 business days after approval."},
	"refund_status":          {"您的%s申请 %s（订单 %s）当前状态：%s。", "Your %s request %s (order %s) is currently: %s."},
	"refund_none":            {"目前没有查到进行中的退款或售后申请。如需申请，直接告诉我即可，比如“我要退货”。", "I don't see any refund or after-sales request in progress. To start one, just tell me, e.g. \"I want to return an item\"."},
	"handoff":                {"已为您转接人工客服（%s），预计等待约 %d 分钟，请稍候，客服会看到我们刚才的对话，无需重复描述。", "I'm connecting you to an agent (%s); the expected wait is about %d minutes. They'll see our conversation, so there's no need to repeat yourself."},
	"handoff_closed":         {"现在是非工作时间，已为您创建工单（%s），客服将在 %s 上班后第一时间联系您。", "We're outside business hours. I've created a ticket (%s) and an agent will reply when we open at %s."},
	"handoff_failed":         {"抱歉，转接人工暂时不可用，请稍后再试。", "Sorry, I couldn't reach an agent just now; please try again shortly."},
	"anger_sorry":            {"非常抱歉给您带来了不好的体验，我马上为您转接专人处理。", "I'm very sorry about this experience. Let me get a person to handle it right away."},
	"complaint_sorry":        {"非常抱歉让您不满意，您的反馈我们非常重视。", "I'm sorry we let you down; we take your feedback seriously."},
	"flow_exit":              {"好的，已取消当前操作。还有什么可以帮您？", "OK, I've stopped that. Anything else I can help with?"},
	"product_line":           {"%s：¥%s，%s。%s", "%s: ¥%s, %s. %s"},
	"in_stock":               {"有货", "in stock"},
	"out_of_stock":           {"暂时缺货", "out of stock"},
	"product_none":           {"没有找到相关商品，您可以换个关键词试试。", "I couldn't find that product; try other keywords."},
	"recommend_intro":        {"根据您的喜好，为您推荐：", "Based on what you like, you might enjoy:"},
	"size_intro":             {"尺码建议：", "Size advice:"},
	"invoice_hint":           {"具体订单的发票可在「订单详情 → 发票」中下载、补开或修改抬头；需要人工协助请点“转人工”。", "For a specific order, download, request or correct the invoice under Order details → Invoice; tap \"Talk to a person\" if you need help."},
	"which_order_more":       {"其他订单", "Other orders"},
	"yes":                    {"确认", "Yes"},
	"no":                     {"不用了", "No"},
	"human":                  {"转人工", "Talk to a person"},
	"shop":                   {"商家", "the shop"},
	"buyer":                  {"您", "you"},
}

// t formats a sentence in lang ("zh" or "en").
func t(lang, key string, args ...any) string {
	pair, ok := texts[key]
	if !ok {
		return key
	}
	s := pair[0]
	if lang == "en" {
		s = pair[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

var statusNames = map[string][2]string{
	"pending_payment": {"待付款", "awaiting payment"},
	"paid":            {"已付款，待发货", "paid, waiting to ship"},
	"shipped":         {"已发货，运输中", "shipped, in transit"},
	"delivered":       {"已签收", "delivered"},
	"completed":       {"已完成", "completed"},
	"cancelled":       {"已取消", "cancelled"},
}

// caseStatusNames are the after-sales states customers see.
var caseStatusNames = map[string][2]string{
	"requested": {"待审核", "awaiting review"}, "approved": {"已同意", "approved"}, "rejected": {"未通过", "declined"},
	"awaiting_return_shipment": {"待寄回商品", "waiting for you to ship it back"}, "received": {"商家已收货", "received by the shop"},
	"inspected": {"已验货", "inspected"}, "refunded": {"已退款", "refunded"}, "closed": {"已完成", "closed"},
	"reshipped": {"新商品已发出", "replacement shipped"}, "repairing": {"维修中", "being repaired"},
	"returned_to_customer": {"已寄回给您", "sent back to you"}, "cancelled": {"已撤销", "withdrawn"},
	"investigating": {"处理中", "being investigated"}, "resolved": {"已解决", "resolved"}, "open": {"已受理", "open"},
	"return_in_transit": {"退货运输中", "on its way back to us"}, "expired": {"已超过寄回期限", "expired: not shipped back in time"},
}

func named(m map[string][2]string, lang, key string) string {
	if p, ok := m[key]; ok {
		if lang == "en" {
			return p[1]
		}
		return p[0]
	}
	return key
}

func money(cents int64) string {
	s := fmt.Sprintf("%d.%02d", cents/100, cents%100)
	return strings.TrimSuffix(s, ".00")
}

var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

func day(lang string, at time.Time) string {
	at = at.In(shanghai)
	if lang == "en" {
		return at.Format("Jan 2 15:04")
	}
	return at.Format("1月2日 15:04")
}
