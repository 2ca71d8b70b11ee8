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
//
// NegativeScore is deliberately strict and, on its own, not enough to hand off (see
// shouldHandOffNow): the replayed dialogue suite showed the sentiment model scoring ordinary
// after-sales messages ("算了不改了", "never mind", "这双鞋不合适，想退") at −0.9 and below,
// because a customer who writes to after-sales usually has a problem. Handing all of those to
// people would defeat the bot; strong negativity counts once the bot is also failing.
func DefaultHandoffPolicy() HandoffPolicy {
	return HandoffPolicy{MinConfidence: 0.45, LowConfidenceTurns: 2, NegativeScore: -0.85, FlowFailures: 2, VIPAftersales: true, AngerHandoff: true}
}

// shouldHandOffNow applies the rules that act before any flow runs, to the message text, what
// NLU made of it and the conversation so far. It returns the reason code, or "" to let the bot try.
func (p HandoffPolicy) shouldHandOffNow(u Understanding, text string, st State) string {
	switch {
	case u.Intent == "human_agent" && u.Confidence >= p.MinConfidence:
		return "explicit_request"
	case p.AngerHandoff && angry(u, text):
		return "anger"
	case u.Sentiment.Score <= p.NegativeScore && u.Sentiment.Polarity == "negative" && (st.LowConfidence > 0 || st.Failures > 0):
		// Very negative while the bot is already missing (did not understand, or a step failed):
		// the customer is frustrated with the bot itself.
		return "negative_sentiment"
	}
	return ""
}

// angry is NLU's anger signal (threats of 12315, lawyers or bad reviews, swearing) plus the
// shouting NLU scores too weakly to cross its own threshold: "!!!" or ALL CAPS in a message
// that is not positive ("谢谢！！！" is not anger).
func angry(u Understanding, text string) bool {
	if u.Sentiment.Anger {
		return true
	}
	if u.Sentiment.Polarity == "positive" {
		return false
	}
	if exclamationRun(text) >= 3 {
		return true
	}
	for _, s := range u.Sentiment.Signals {
		if s == "all_caps" {
			return true
		}
	}
	return false
}

// exclamationRun is the longest run of ASCII or full-width exclamation marks.
func exclamationRun(text string) int {
	best, cur := 0, 0
	for _, r := range text {
		if r == '!' || r == '！' {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
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
