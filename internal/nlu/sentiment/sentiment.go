// Package sentiment turns a trained polarity classifier and a few transparent rules into what
// the helpdesk needs: polarity with a score, plus anger and urgency levels and the signals
// behind them (threats to complain to 12315 or leave a bad review, lawyers, swearing,
// repeated punctuation, shouting in capitals, "urgent", "马上").
package sentiment

import (
	"math"
	"strings"
	"unicode"

	"kefu/internal/nlu/classify"
	"kefu/internal/nlu/textseg"
)

// Polarities.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// Result is the sentiment of one text.
type Result struct {
	Polarity   string   `json:"polarity"`
	Score      float64  `json:"score"`      // P(positive) − P(negative), in [−1, 1]
	Confidence float64  `json:"confidence"` // probability of the chosen polarity
	Anger      float64  `json:"anger"`      // 0..1
	Urgency    float64  `json:"urgency"`    // 0..1
	Signals    []string `json:"signals,omitempty"`
}

// PolarityOf maps a classifier label to a polarity: positive/neutral/negative as they are,
// and the 1/0 labels of public review sets as positive/negative.
func PolarityOf(label string) string {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "positive", "pos", "1":
		return Positive
	case "negative", "neg", "0", "-1":
		return Negative
	}
	return Neutral
}

// Analyze scores text with the polarity model m (nil: rules only) and the anger and urgency
// rules.
func Analyze(m *classify.Model, text string) Result {
	r := Result{Polarity: Neutral}
	if m != nil {
		p := m.Probabilities(text)
		best := 0
		for i, l := range m.Labels {
			switch PolarityOf(l) {
			case Positive:
				r.Score += p[i]
			case Negative:
				r.Score -= p[i]
			}
			if p[i] > p[best] {
				best = i
			}
		}
		r.Polarity, r.Confidence = PolarityOf(m.Labels[best]), p[best]
	}
	sig := Signals(text)
	r.Signals = sig.Names
	r.Anger, r.Urgency = sig.Anger, sig.Urgency
	if r.Polarity == Negative {
		// a clearly negative message is itself a mild anger signal
		r.Anger = combine(r.Anger, 0.3*r.Confidence)
	}
	if r.Anger >= 0.5 && r.Polarity != Negative {
		// threats and swearing outweigh a polite-sounding model score ("谢谢，我要去12315投诉")
		r.Polarity = Negative
		r.Score = math.Min(r.Score, -r.Anger)
	}
	r.Anger, r.Urgency = round3(r.Anger), round3(r.Urgency)
	r.Score, r.Confidence = round3(r.Score), round3(r.Confidence)
	return r
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// combine adds independent evidence: 1 − (1−a)(1−b).
func combine(a, b float64) float64 { return 1 - (1-a)*(1-b) }

// RuleSignals are the anger and urgency levels found by the rules, with their names.
type RuleSignals struct {
	Anger   float64
	Urgency float64
	Names   []string
}

type cue struct {
	words  []string
	name   string
	anger  float64
	urgent float64
}

// Cues are matched on the normalised text (lower case, half-width). English cues are
// matched as whole words.
var cues = []cue{
	{[]string{"12315", "消协", "消费者协会", "工商局", "市场监管", "黑猫投诉", "consumer protection", "consumer council", "bbb", "trading standards"}, "threat_regulator", 0.7, 0.3},
	{[]string{"律师", "起诉", "法院", "打官司", "报警", "lawyer", "attorney", "sue", "suing", "court", "legal action", "police"}, "threat_legal", 0.7, 0.3},
	{[]string{"差评", "一星", "曝光", "发微博", "媒体", "bad review", "1 star", "one star", "1-star", "negative review", "social media", "chargeback"}, "threat_review", 0.5, 0.2},
	{[]string{"投诉", "complain", "complaint", "report you"}, "complaint", 0.4, 0.1},
	{[]string{"妈的", "他妈", "tmd", "卧槽", "尼玛", "傻逼", "煞笔", "sb", "滚", "去死", "狗屁", "fuck", "fucking", "shit", "wtf", "damn", "crap", "bullshit", "asshole", "idiot", "stupid"}, "swearing", 0.6, 0},
	{[]string{"垃圾", "骗子", "骗人", "坑人", "黑心", "无良", "欺诈", "诈骗", "恶心", "气死", "太过分", "离谱", "scam", "fraud", "rip off", "ripoff", "cheated", "disgusting", "ridiculous", "unacceptable", "worst", "terrible", "furious", "angry"}, "insult_or_outrage", 0.45, 0},
	{[]string{"急", "马上", "立刻", "立即", "尽快", "赶紧", "赶快", "快点", "紧急", "加急", "等不及", "今天必须", "今天之内", "urgent", "urgently", "asap", "immediately", "right now", "right away", "hurry", "emergency", "as soon as possible"}, "urgent", 0, 0.6},
	{[]string{"还没", "一直没", "到现在", "好几天", "等了", "多久", "still not", "still haven't", "still hasn't", "still waiting", "how long", "days now", "weeks now"}, "waiting", 0.1, 0.35},
}

// Signals applies the anger and urgency rules to text.
func Signals(text string) RuleSignals {
	var s RuleSignals
	norm := textseg.Normalize(text)
	padded := " " + norm + " "
	for _, c := range cues {
		for _, w := range c.words {
			if !containsCue(norm, padded, w) {
				continue
			}
			s.Anger = combine(s.Anger, c.anger)
			s.Urgency = combine(s.Urgency, c.urgent)
			s.Names = append(s.Names, c.name+":"+w)
			break
		}
	}
	if n := longestRun(norm, "!"); n >= 2 {
		s.Anger = combine(s.Anger, math.Min(0.15*float64(n), 0.45))
		s.Names = append(s.Names, "repeated_exclamation")
	}
	if n := longestRun(norm, "?"); n >= 3 {
		s.Anger = combine(s.Anger, 0.2)
		s.Names = append(s.Names, "repeated_question")
	}
	if shouting(text) {
		s.Anger = combine(s.Anger, 0.35)
		s.Names = append(s.Names, "all_caps")
	}
	return s
}

// containsCue matches Chinese cues as substrings and Latin ones as whole words.
func containsCue(norm, padded, w string) bool {
	for _, r := range w {
		if r > unicode.MaxASCII {
			return strings.Contains(norm, w)
		}
	}
	i := strings.Index(padded, w)
	for i >= 0 {
		before, after := rune(padded[i-1]), rune(padded[i+len(w)])
		if !isASCIIAlnum(before) && !isASCIIAlnum(after) {
			return true
		}
		next := strings.Index(padded[i+1:], w)
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

func isASCIIAlnum(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// longestRun counts the longest run of the character set chars (after full-width folding,
// "！！！" is "!!!").
func longestRun(s, chars string) int {
	best, cur := 0, 0
	for _, r := range s {
		if strings.ContainsRune(chars, r) {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// shouting: at least two words of three or more capital letters, and most Latin letters are
// capitals ("WHERE IS MY REFUND"). Acronyms alone ("SF", "KF2026") do not count.
func shouting(text string) bool {
	upper, lower, capsWords, run := 0, 0, 0, 0
	n := 0
	for _, r := range text {
		if n++; n > textseg.MaxRunes {
			break
		}
		switch {
		case r <= unicode.MaxASCII && unicode.IsUpper(r):
			upper++
			run++
			continue
		case r <= unicode.MaxASCII && unicode.IsLower(r):
			lower++
		}
		if run >= 3 {
			capsWords++
		}
		run = 0
	}
	if run >= 3 {
		capsWords++
	}
	return capsWords >= 2 && upper >= 4*lower && upper >= 8
}
