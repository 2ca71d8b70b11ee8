package search

// IntentCategories maps the NLU intents that ask for information to the knowledge-base
// categories that answer them, so a confident intent can lift the right kind of article and
// the bot can tell when retrieval and NLU agree.
var IntentCategories = map[string][]string{
	"shipping_policy":  {"shipping"},
	"return_policy":    {"returns"},
	"refund_request":   {"refunds"},
	"refund_status":    {"refunds"},
	"exchange_request": {"exchanges"},
	"invoice_request":  {"invoices"},
	"payment_issue":    {"payments"},
	"coupon_promotion": {"coupons"},
	"account_issue":    {"accounts"},
	"size_advice":      {"sizing"},
	"warranty_repair":  {"warranty"},
	"price_protection": {"after_sales", "refunds"},
	"order_status":     {"orders", "shipping"},
	"urge_shipment":    {"orders", "shipping"},
}

// IntentMatches reports whether an article category is one that answers the intent.
func IntentMatches(intent, category string) bool {
	for _, c := range IntentCategories[intent] {
		if c == category {
			return true
		}
	}
	return false
}
