package metrics

import (
	"strings"
	"testing"
)

func TestExposition(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("kefu_requests_total", "Requests.", "route", "code")
	c.Inc("GET /x", "200")
	c.Add(2, "GET /x", "200")
	c.Inc(`we"ird`, "500")
	h := r.NewHistogram("kefu_latency_seconds", "Latency.", []float64{0.1, 1}, "route")
	h.Observe(0.05, "a")
	h.Observe(0.5, "a")
	r.NewGaugeFunc("kefu_up", "Up.", func() float64 { return 1 })
	var b strings.Builder
	r.WriteText(&b)
	out := b.String()
	for _, want := range []string{
		`kefu_requests_total{route="GET /x",code="200"} 3`,
		`kefu_requests_total{route="we\"ird",code="500"} 1`,
		`kefu_latency_seconds_bucket{route="a",le="0.1"} 1`,
		`kefu_latency_seconds_bucket{route="a",le="1"} 2`,
		`kefu_latency_seconds_bucket{route="a",le="+Inf"} 2`,
		`kefu_latency_seconds_count{route="a"} 2`,
		"# TYPE kefu_up gauge\nkefu_up 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
