package bot

import "strings"

// HandoffPolicy is the configurable part of when the bot gives the conversation to people.
// Each rule that fires is named in the handoff record, so agents and managers see why.
type HandoffPolicy struct {
	// MinConfidence below which a message counts as not understood.
	MinConfidence float64 `json:"min_confidence"`
	// LowConfidenceTurns not understood in a row before handing off.
	LowConfidenceTurns int `json:"low_confidence_turns"`
	// NegativeScore at or below which sentiment alone triggers a handoff (−1 … 1).
	NegativeScore float64 `json:"negative_score"`
	// FlowFailures: failed attempts inside one flow (order not found, bad address…) before handing off.
	FlowFailures int `json:"flow_failures"`
	// VIPAftersales sends VIP customers' after-sales requests to people once the case is opened.
	VIPAftersales bool `json:"vip_aftersales"`
	// AngerHandoff hands off on anger signals (threats to complain to 12315, bad reviews, swearing).
	AngerHandoff bool `json:"anger_handoff"`
}

// DefaultHandoffPolicy is what a new shop gets.
func DefaultHandoffPolicy() HandoffPolicy {
	return HandoffPolicy{MinConfidence: 0.45, LowConfidenceTurns: 2, NegativeScore: -0.85, FlowFailures: 2, VIPAftersales: true, AngerHandoff: true}
}

// shouldHandOffNow applies the rules that act before any flow runs. It returns the reason code,
// or "" to let the bot try.
func (p HandoffPolicy) shouldHandOffNow(u Understanding) string {
	switch {
	case u.Intent == "human_agent" && u.Confidence >= p.MinConfidence:
		return "explicit_request"
	case p.AngerHandoff && u.Sentiment.Anger:
		return "anger"
	case u.Sentiment.Score <= p.NegativeScore && u.Sentiment.Polarity == "negative":
		return "negative_sentiment"
	}
	return ""
}

// Yes/no detection for confirmations. Kept as word lists (not NLU intents) because a bare "好"
// or "no" carries no intent of its own.
var (
	yesWords = []string{"是", "是的", "对", "对的", "确认", "确定", "好", "好的", "嗯", "可以", "行", "没问题", "yes", "y", "yeah", "yep", "ok", "okay", "sure", "confirm", "please do", "go ahead", "correct", "right"}
	noWords  = []string{"不", "不是", "不要", "不用", "不用了", "算了", "取消", "别", "no", "n", "nope", "don't", "dont", "cancel", "never mind", "nevermind", "stop", "not"}
)

// answerOf classifies a reply to a yes/no question: "yes", "no" or "".
func answerOf(text string) string {
	s := strings.ToLower(strings.TrimSpace(strings.Trim(text, "。.!！~～ ")))
	for _, w := range noWords {
		if s == w || strings.HasPrefix(s, w+" ") || strings.HasPrefix(s, w+",") || strings.HasPrefix(s, w+"，") || (isCJK(w) && strings.HasPrefix(s, w) && w != "不") {
			return "no"
		}
	}
	if strings.HasPrefix(s, "不") {
		return "no"
	}
	for _, w := range yesWords {
		if s == w || strings.HasPrefix(s, w+" ") || strings.HasPrefix(s, w+",") || strings.HasPrefix(s, w+"，") || (isCJK(w) && strings.HasPrefix(s, w)) {
			return "yes"
		}
	}
	return ""
}

func isCJK(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
