// Package ticket holds the pure rules of tickets (工单): categories, priorities with their
// reasons, the status workflow, macros, assignment strategies and customer notifications.
// Nothing here touches a database; the service that persists tickets builds on these rules.
package ticket

import (
	"fmt"
	"kefu/internal/i18n"
	"strings"

	"kefu/internal/apperr"
)

// Category is what a ticket is about; it drives routing (team skills) and priority.
type Category string

const (
	CategoryLogistics   Category = "logistics"
	CategoryReturn      Category = "return"
	CategoryRefund      Category = "refund"
	CategoryExchange    Category = "exchange"
	CategoryQuality     Category = "quality" // damaged or defective goods
	CategoryMissingItem Category = "missing_item"
	CategoryRepair      Category = "repair" // warranty repair
	CategoryPayment     Category = "payment"
	CategoryInvoice     Category = "invoice"
	CategoryAccount     Category = "account"
	CategoryComplaint   Category = "complaint"
	CategoryOther       Category = "other"
)

// Categories lists every category in display order.
var Categories = []Category{
	CategoryLogistics, CategoryReturn, CategoryRefund, CategoryExchange, CategoryQuality,
	CategoryMissingItem, CategoryRepair, CategoryPayment, CategoryInvoice, CategoryAccount,
	CategoryComplaint, CategoryOther,
}

var categoryNames = map[Category][2]string{ // zh, en
	CategoryLogistics:   {"物流", "Logistics"},
	CategoryReturn:      {"退货", "Return"},
	CategoryRefund:      {"退款", "Refund"},
	CategoryExchange:    {"换货", "Exchange"},
	CategoryQuality:     {"质量问题/破损", "Quality / damage"},
	CategoryMissingItem: {"少件/漏发", "Missing item"},
	CategoryRepair:      {"维修/保修", "Repair / warranty"},
	CategoryPayment:     {"支付", "Payment"},
	CategoryInvoice:     {"发票", "Invoice"},
	CategoryAccount:     {"账户", "Account"},
	CategoryComplaint:   {"投诉", "Complaint"},
	CategoryOther:       {"其他", "Other"},
}

// Label is the category's display name in "zh" or "en".
func (c Category) Label(lang string) string {
	n, ok := categoryNames[c]
	if !ok {
		return string(c)
	}
	if isZh(lang) {
		return n[0]
	}
	return n[1]
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { _, ok := categoryNames[c]; return ok }

// ParseCategory reads a category code, with a clear error for anything else.
func ParseCategory(s string) (Category, error) {
	c := Category(strings.ToLower(strings.TrimSpace(s)))
	if !c.Valid() {
		return "", apperr.Invalid("category", fmt.Sprintf("unknown category %q", s))
	}
	return c, nil
}

// intentCategory maps NLU intents to the category of the ticket they lead to. Intents that are
// about a topic rather than a problem (product questions, policies) still get the category an
// agent would file them under, so the right team sees them.
var intentCategory = map[string]Category{
	"order_status":           CategoryLogistics,
	"urge_shipment":          CategoryLogistics,
	"change_address":         CategoryLogistics,
	"shipping_policy":        CategoryLogistics,
	"logistics_issue":        CategoryLogistics,
	"cancel_order":           CategoryRefund, // a cancelled paid order is a refund to process
	"refund_request":         CategoryRefund,
	"refund_status":          CategoryRefund,
	"price_protection":       CategoryRefund, // 价保 pays back a price difference
	"return_request":         CategoryReturn,
	"return_policy":          CategoryReturn,
	"exchange_request":       CategoryExchange,
	"damaged_item":           CategoryQuality,
	"quality_issue":          CategoryQuality,
	"missing_item":           CategoryMissingItem,
	"wrong_item":             CategoryMissingItem,
	"warranty_repair":        CategoryRepair,
	"invoice_request":        CategoryInvoice,
	"payment_issue":          CategoryPayment,
	"coupon_promotion":       CategoryPayment, // coupons and discounts change what is paid
	"account_issue":          CategoryAccount,
	"complaint":              CategoryComplaint,
	"product_inquiry":        CategoryOther,
	"size_advice":            CategoryOther,
	"product_recommendation": CategoryOther,
	"human_agent":            CategoryOther,
	"greeting":               CategoryOther,
	"goodbye":                CategoryOther,
	"out_of_scope":           CategoryOther,
}

// Entity is one NLU entity found in the customer's words (type, value), e.g.
// {"issue", "damaged"} or {"tracking_number", "SF123"}.
type Entity struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// issueCategory refines a ticket by the problem the customer named, whatever the intent was:
// "I want to return it, it arrived broken" is a quality case, not a no-reason return.
var issueCategory = map[string]Category{
	"damaged":           CategoryQuality,
	"broken":            CategoryQuality,
	"defective":         CategoryQuality,
	"quality":           CategoryQuality,
	"not_as_described":  CategoryQuality,
	"missing":           CategoryMissingItem,
	"missing_parts":     CategoryMissingItem,
	"wrong_item":        CategoryMissingItem,
	"lost_parcel":       CategoryLogistics,
	"delayed":           CategoryLogistics,
	"double_charge":     CategoryPayment,
	"payment_failed":    CategoryPayment,
	"fraud":             CategoryAccount,
	"cannot_login":      CategoryAccount,
	"warranty":          CategoryRepair,
	"invoice":           CategoryInvoice,
	"complaint":         CategoryComplaint,
	"service_attitude":  CategoryComplaint,
	"false_advertising": CategoryComplaint,
}

// refinable are the categories an issue entity may override. A complaint stays a complaint,
// and an explicit repair or exchange request keeps its own workflow.
var refinable = map[Category]bool{
	CategoryOther: true, CategoryReturn: true, CategoryRefund: true, CategoryLogistics: true,
}

// Classify maps an NLU intent (plus entities) to a ticket category. Unknown intents fall back to
// the entities, then to "other": classification never fails, an agent can always recategorise.
func Classify(intent string, entities ...Entity) Category {
	cat, known := intentCategory[strings.ToLower(strings.TrimSpace(intent))]
	if !known {
		cat = CategoryOther
	}
	if !refinable[cat] {
		return cat
	}
	for _, e := range entities {
		t := strings.ToLower(strings.TrimSpace(e.Type))
		if t != "issue" && t != "reason" && t != "problem" {
			continue
		}
		if c, ok := issueCategory[strings.ToLower(strings.TrimSpace(e.Value))]; ok {
			return c
		}
	}
	if cat == CategoryOther {
		// A bare handoff that mentions a tracking number is about delivery.
		for _, e := range entities {
			if strings.EqualFold(e.Type, "tracking_number") && strings.TrimSpace(e.Value) != "" {
				return CategoryLogistics
			}
		}
	}
	return cat
}

// isZh reports whether a language tag asks for Chinese.
func isZh(lang string) bool { return i18n.IsZh(lang) }
