package ticket

import (
	"fmt"
	"strings"

	"kefu/internal/apperr"
)

// Priority orders the work queue and picks the SLA targets.
type Priority string

const (
	PriorityUrgent Priority = "urgent"
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
)

// Priorities lists priorities from most to least pressing.
var Priorities = []Priority{PriorityUrgent, PriorityHigh, PriorityNormal, PriorityLow}

// Rank is 3 for urgent down to 0 for low, -1 when unknown: larger is more pressing.
func (p Priority) Rank() int {
	switch p {
	case PriorityUrgent:
		return 3
	case PriorityHigh:
		return 2
	case PriorityNormal:
		return 1
	case PriorityLow:
		return 0
	}
	return -1
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p.Rank() >= 0 }

var priorityZh = map[Priority]string{PriorityUrgent: "紧急", PriorityHigh: "高", PriorityNormal: "普通", PriorityLow: "低"}

// Label is the priority's display name.
func (p Priority) Label(lang string) string {
	if isZh(lang) {
		if s, ok := priorityZh[p]; ok {
			return s
		}
	}
	return string(p)
}

// ParsePriority reads a priority code.
func ParsePriority(s string) (Priority, error) {
	p := Priority(strings.ToLower(strings.TrimSpace(s)))
	if !p.Valid() {
		return "", apperr.Invalid("priority", fmt.Sprintf("unknown priority %q (want urgent, high, normal or low)", s))
	}
	return p, nil
}

// Reason explains one contribution to a computed priority, so agents see why a ticket is
// urgent. Codes are stable (for filters and analytics); texts are for people.
type Reason struct {
	Code   string `json:"code"`
	Points int    `json:"points"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
}

// Input is everything the priority rules look at. Money is in the smallest unit (fen).
type Input struct {
	Category Category
	Intent   string
	// SentimentScore runs from -1 (very negative) to 1 (very positive); 0 when unknown.
	SentimentScore float64
	Anger          bool // the emotion model detected anger
	Urgency        bool // the customer said it is urgent (今天必须, ASAP…)
	Tier           string
	OrderValue     int64
	// SLARisk is the fraction of the SLA target already used (≥1 means breached).
	SLARisk float64
	// RepeatContacts counts earlier contacts about the same problem.
	RepeatContacts int
}

// PriorityRules are the weights and thresholds behind ComputePriority. They are data so a shop
// can tune them; DefaultPriorityRules documents the intent of each number.
type PriorityRules struct {
	CategoryPoints   map[Category]int `json:"category_points"`
	IntentPoints     map[string]int   `json:"intent_points"`
	VeryNegative     float64          `json:"very_negative"` // sentiment at or below: strong signal
	Negative         float64          `json:"negative"`
	VeryNegativePts  int              `json:"very_negative_points"`
	NegativePts      int              `json:"negative_points"`
	AngerPts         int              `json:"anger_points"`
	UrgencyPts       int              `json:"urgency_points"`
	TierPoints       map[string]int   `json:"tier_points"`
	HighValue        int64            `json:"high_value"` // order value thresholds in fen
	VeryHighValue    int64            `json:"very_high_value"`
	HighValuePts     int              `json:"high_value_points"`
	VeryHighValuePts int              `json:"very_high_value_points"`
	SLAAtRisk        float64          `json:"sla_at_risk"` // fraction of target used
	SLAAtRiskPts     int              `json:"sla_at_risk_points"`
	SLABreachedPts   int              `json:"sla_breached_points"`
	RepeatPts        int              `json:"repeat_points"` // per earlier contact, capped at 3
	// Score thresholds: ≥ Urgent → urgent, ≥ High → high, ≥ Normal → normal, else low.
	Urgent int `json:"urgent"`
	High   int `json:"high"`
	Normal int `json:"normal"`
}

// DefaultPriorityRules: a plain question is low, a typical problem normal; anger, a VIP, a
// large order or a nearly-breached SLA each push a ticket up one band or so, and two of them
// together make it urgent.
func DefaultPriorityRules() PriorityRules {
	return PriorityRules{
		CategoryPoints: map[Category]int{
			CategoryComplaint: 30, CategoryQuality: 20, CategoryPayment: 20, CategoryMissingItem: 20,
			CategoryAccount: 15, CategoryRefund: 15, CategoryReturn: 10, CategoryExchange: 10,
			CategoryRepair: 10, CategoryLogistics: 10, CategoryInvoice: 5, CategoryOther: 0,
		},
		IntentPoints:    map[string]int{"urge_shipment": 5, "human_agent": 5, "cancel_order": 5},
		VeryNegative:    -0.6,
		Negative:        -0.3,
		VeryNegativePts: 20,
		NegativePts:     10,
		AngerPts:        25,
		UrgencyPts:      15,
		TierPoints:      map[string]int{"vip": 25, "gold": 15, "silver": 5},
		HighValue:       100_000, // ¥1,000
		VeryHighValue:   500_000, // ¥5,000
		HighValuePts:    10, VeryHighValuePts: 20,
		SLAAtRisk: 0.75, SLAAtRiskPts: 20, SLABreachedPts: 40,
		RepeatPts: 5,
		Urgent:    70, High: 40, Normal: 10,
	}
}

// Validate checks the thresholds are ordered.
func (r PriorityRules) Validate() error {
	if !(r.Urgent > r.High && r.High > r.Normal) {
		return apperr.Invalid("thresholds", "want urgent > high > normal")
	}
	if r.VeryNegative > r.Negative {
		return apperr.Invalid("very_negative", "very_negative must not be above negative")
	}
	if r.VeryHighValue < r.HighValue {
		return apperr.Invalid("very_high_value", "very_high_value must not be below high_value")
	}
	return nil
}

// defaultRules is built once; Compute only reads it.
var defaultRules = DefaultPriorityRules()

// ComputePriority applies DefaultPriorityRules.
func ComputePriority(in Input) (Priority, []Reason) { return defaultRules.Compute(in) }

// Compute scores the input and maps the score to a priority. Every rule that fired is returned
// as a Reason (in the order checked), followed by a summary reason with the total.
func (r PriorityRules) Compute(in Input) (Priority, []Reason) {
	var reasons []Reason
	add := func(code string, pts int, zh, en string) {
		if pts != 0 {
			reasons = append(reasons, Reason{Code: code, Points: pts, ZH: zh, EN: en})
		}
	}
	cat := in.Category
	if !cat.Valid() {
		cat = CategoryOther
	}
	add("category_"+string(cat), r.CategoryPoints[cat],
		"问题类别："+cat.Label("zh"), "Category: "+cat.Label("en"))
	if intent := strings.ToLower(strings.TrimSpace(in.Intent)); intent != "" {
		add("intent_"+intent, r.IntentPoints[intent], "意图："+intent, "Intent: "+intent)
	}
	switch {
	case in.SentimentScore <= r.VeryNegative:
		add("sentiment_very_negative", r.VeryNegativePts,
			fmt.Sprintf("情绪非常负面（%.2f）", in.SentimentScore), fmt.Sprintf("Very negative sentiment (%.2f)", in.SentimentScore))
	case in.SentimentScore <= r.Negative:
		add("sentiment_negative", r.NegativePts,
			fmt.Sprintf("情绪负面（%.2f）", in.SentimentScore), fmt.Sprintf("Negative sentiment (%.2f)", in.SentimentScore))
	}
	if in.Anger {
		add("anger", r.AngerPts, "客户表现出愤怒", "Customer is angry")
	}
	if in.Urgency {
		add("urgency", r.UrgencyPts, "客户表示很急", "Customer says it is urgent")
	}
	if tier := strings.ToLower(strings.TrimSpace(in.Tier)); tier != "" {
		add("tier_"+tier, r.TierPoints[tier], "会员等级："+tierZh(tier), "Customer tier: "+tier)
	}
	switch {
	case r.VeryHighValue > 0 && in.OrderValue >= r.VeryHighValue:
		add("order_value_very_high", r.VeryHighValuePts,
			"订单金额很高："+yuan(in.OrderValue), "Very high order value: "+yuan(in.OrderValue))
	case r.HighValue > 0 && in.OrderValue >= r.HighValue:
		add("order_value_high", r.HighValuePts, "订单金额较高："+yuan(in.OrderValue), "High order value: "+yuan(in.OrderValue))
	}
	switch {
	case in.SLARisk >= 1:
		add("sla_breached", r.SLABreachedPts, "已超出 SLA 时限", "SLA already breached")
	case in.SLARisk >= r.SLAAtRisk && r.SLAAtRisk > 0:
		add("sla_at_risk", r.SLAAtRiskPts,
			fmt.Sprintf("SLA 即将超时（已用 %.0f%%）", in.SLARisk*100), fmt.Sprintf("SLA at risk (%.0f%% used)", in.SLARisk*100))
	}
	if n := min(in.RepeatContacts, 3); n > 0 {
		add("repeat_contact", n*r.RepeatPts,
			fmt.Sprintf("同一问题已联系 %d 次", in.RepeatContacts), fmt.Sprintf("Contacted %d times about this", in.RepeatContacts))
	}
	score := 0
	for _, rs := range reasons {
		score += rs.Points
	}
	var p Priority
	switch {
	case score >= r.Urgent:
		p = PriorityUrgent
	case score >= r.High:
		p = PriorityHigh
	case score >= r.Normal:
		p = PriorityNormal
	default:
		p = PriorityLow
	}
	reasons = append(reasons, Reason{Code: "score", Points: score,
		ZH: fmt.Sprintf("总分 %d → %s", score, p.Label("zh")), EN: fmt.Sprintf("Score %d → %s", score, p)})
	return p, reasons
}

func tierZh(tier string) string {
	switch tier {
	case "vip":
		return "VIP"
	case "gold":
		return "金卡"
	case "silver":
		return "银卡"
	case "regular":
		return "普通"
	}
	return tier
}

// yuan formats fen as "¥1,234.50".
func yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole := fmt.Sprintf("%d", fen/100)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s := fmt.Sprintf("¥%s.%02d", b.String(), fen%100)
	if neg {
		s = "-" + s
	}
	return s
}
