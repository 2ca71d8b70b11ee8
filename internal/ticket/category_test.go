package ticket

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassifyIntents(t *testing.T) {
	cases := map[string]Category{
		"order_status": CategoryLogistics, "urge_shipment": CategoryLogistics,
		"change_address": CategoryLogistics, "shipping_policy": CategoryLogistics,
		"cancel_order": CategoryRefund, "refund_request": CategoryRefund, "refund_status": CategoryRefund,
		"price_protection": CategoryRefund, "return_request": CategoryReturn, "return_policy": CategoryReturn,
		"exchange_request": CategoryExchange, "damaged_item": CategoryQuality, "missing_item": CategoryMissingItem,
		"warranty_repair": CategoryRepair, "invoice_request": CategoryInvoice, "payment_issue": CategoryPayment,
		"coupon_promotion": CategoryPayment, "account_issue": CategoryAccount, "complaint": CategoryComplaint,
		"product_inquiry": CategoryOther, "size_advice": CategoryOther, "product_recommendation": CategoryOther,
		"human_agent": CategoryOther, "": CategoryOther, "no_such_intent": CategoryOther,
		"  Return_Request ": CategoryReturn, // NLU output is normalised
	}
	for intent, want := range cases {
		if got := Classify(intent); got != want {
			t.Errorf("Classify(%q) = %s, want %s", intent, got, want)
		}
	}
}

func TestClassifyEntitiesRefine(t *testing.T) {
	cases := []struct {
		name     string
		intent   string
		entities []Entity
		want     Category
	}{
		{"return because damaged is a quality case", "return_request", []Entity{{"issue", "damaged"}}, CategoryQuality},
		{"refund for a missing part", "refund_request", []Entity{{"reason", "missing_parts"}}, CategoryMissingItem},
		{"handoff naming a double charge", "human_agent", []Entity{{"problem", "double_charge"}}, CategoryPayment},
		{"handoff with a tracking number", "human_agent", []Entity{{"tracking_number", "SF1234567890"}}, CategoryLogistics},
		{"empty tracking number is ignored", "human_agent", []Entity{{"tracking_number", "  "}}, CategoryOther},
		{"complaint stays complaint", "complaint", []Entity{{"issue", "damaged"}}, CategoryComplaint},
		{"exchange keeps its workflow", "exchange_request", []Entity{{"issue", "defective"}}, CategoryExchange},
		{"repair keeps its workflow", "warranty_repair", []Entity{{"issue", "broken"}}, CategoryRepair},
		{"unknown issue value is ignored", "return_request", []Entity{{"issue", "mood"}}, CategoryReturn},
		{"non-issue entities are ignored", "return_request", []Entity{{"product", "damaged"}}, CategoryReturn},
		{"first recognised issue wins", "human_agent", []Entity{{"issue", "x"}, {"issue", "lost_parcel"}, {"issue", "fraud"}}, CategoryLogistics},
		{"case-insensitive entity", "order_status", []Entity{{"Issue", "WRONG_ITEM"}}, CategoryMissingItem},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.intent, tc.entities...); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCategoryParseAndLabels(t *testing.T) {
	for _, c := range Categories {
		got, err := ParseCategory(" " + strings.ToUpper(string(c)) + " ")
		if err != nil || got != c {
			t.Errorf("ParseCategory(%s) = %s, %v", c, got, err)
		}
		if c.Label("zh") == string(c) || c.Label("en") == "" || c.Label("zh-CN") != c.Label("zh") {
			t.Errorf("labels for %s: %q %q", c, c.Label("zh"), c.Label("en"))
		}
	}
	if _, err := ParseCategory("shoes"); err == nil {
		t.Fatal("unknown category accepted")
	}
}

// hostileStrings reads the Big List of Naughty Strings from the shared evaluation data.
func hostileStrings(t *testing.T) []string {
	t.Helper()
	root := os.Getenv("KEFU_EVAL_DATA")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(root, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// Hostile input must give a category or a clean error, never a panic or a made-up category.
func TestHostileInput(t *testing.T) {
	for _, s := range hostileStrings(t) {
		if c := Classify(s, Entity{s, s}, Entity{"issue", s}); !c.Valid() {
			t.Fatalf("Classify(%q) = %q", s, c)
		}
		if c, err := ParseCategory(s); err == nil && !c.Valid() {
			t.Fatalf("ParseCategory(%q) = %q", s, c)
		}
		if _, err := ParseStatus(s); err == nil && !Status(strings.ToLower(strings.TrimSpace(s))).Valid() {
			t.Fatalf("ParseStatus(%q) accepted", s)
		}
		p, _ := ComputePriority(Input{Intent: s, Tier: s, Category: Category(s)})
		if !p.Valid() {
			t.Fatalf("priority for %q = %q", s, p)
		}
		_, _ = Expand(s, map[string]string{"customer.name": s})
		_ = (Macro{Name: s, Body: s, Actions: []Action{{ActionAddTag, s}, {ActionType(s), s}}}).Validate()
		_ = StatusMessage(s, Status(s)).In(s)
	}
}
