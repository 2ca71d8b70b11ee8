package sentiment

import (
	"slices"
	"strings"
	"testing"
)

func TestSignals(t *testing.T) {
	cases := []struct {
		in            string
		angry, urgent bool
		signal        string
	}{
		{"再不退款我就打12315投诉你们", true, false, "threat_regulator:12315"},
		{"I will call my lawyer", true, false, "threat_legal:lawyer"},
		{"给你们差评", true, false, "threat_review:差评"},
		{"WHERE IS MY REFUND", false, false, "all_caps"},
		{"你们是骗子！！！", true, false, "repeated_exclamation"},
		{"麻烦尽快发货", false, true, "urgent:尽快"},
		{"need it asap", false, true, "urgent:asap"},
		{"what the fuck", true, false, "swearing:fuck"},
		{"谢谢，东西很好", false, false, ""},
		{"I sued nobody; this is a suede jacket", false, false, ""}, // whole words only
		{"SF快递", false, false, ""},
	}
	for _, c := range cases {
		s := Signals(c.in)
		if (s.Anger >= 0.5) != c.angry || (s.Urgency >= 0.5) != c.urgent {
			t.Errorf("Signals(%q) = anger %.2f urgency %.2f %v", c.in, s.Anger, s.Urgency, s.Names)
		}
		if c.signal != "" && !slices.Contains(s.Names, c.signal) {
			t.Errorf("Signals(%q) names %v lack %q", c.in, s.Names, c.signal)
		}
		if c.signal == "" && len(s.Names) > 0 && s.Anger >= 0.3 {
			t.Errorf("Signals(%q) = %v, want none", c.in, s.Names)
		}
	}
}

func TestAnalyzeRulesOnly(t *testing.T) {
	r := Analyze(nil, "谢谢，但我还是要去12315投诉")
	if r.Polarity != Negative || r.Score >= 0 || r.Anger < 0.5 {
		t.Errorf("threat not negative: %+v", r)
	}
	if r := Analyze(nil, "ok"); r.Polarity != Neutral || r.Anger != 0 {
		t.Errorf("neutral text: %+v", r)
	}
	long := strings.Repeat("!", 100000)
	if r := Analyze(nil, long); r.Anger > 1 || r.Anger < 0 {
		t.Errorf("anger out of range: %v", r.Anger)
	}
}

func TestPolarityOf(t *testing.T) {
	for in, want := range map[string]string{"1": Positive, "0": Negative, "positive": Positive, "Negative": Negative, "neutral": Neutral, "x": Neutral} {
		if got := PolarityOf(in); got != want {
			t.Errorf("PolarityOf(%q) = %q, want %q", in, got, want)
		}
	}
}
