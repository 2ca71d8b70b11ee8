package loadtest

import (
	"bufio"
	"math"
	"strings"
	"testing"
)

func TestParseHistogramAndDistBetween(t *testing.T) {
	scrape := func(text string) histogram {
		t.Helper()
		h, err := parseHistogram(bufio.NewScanner(strings.NewReader(text)), "x_seconds")
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := scrape(`# TYPE x_seconds histogram
x_seconds_bucket{le="0.01"} 10
x_seconds_bucket{le="0.02"} 10
x_seconds_bucket{le="0.05"} 10
x_seconds_bucket{le="+Inf"} 10
x_seconds_sum 0.05
x_seconds_count 10
other_bucket{le="0.01"} 99
`)
	// 100 new observations: 50 up to 10 ms, 40 in (10, 20], 9 in (20, 50], 1 above 50 ms.
	after := scrape(`x_seconds_bucket{le="0.01"} 60
x_seconds_bucket{le="0.02"} 100
x_seconds_bucket{le="0.05"} 109
x_seconds_bucket{le="+Inf"} 110
`)
	d := distBetween(before, after)
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	// p50: rank 50 is the top of the first bucket; p95: rank 95 is 5/9 into (20, 50];
	// p99: rank 99 is the top of (20, 50]; max: the +Inf bucket, reported as "over 50".
	if d.N != 100 || !near(d.P50, 10) || !near(d.P95, 20+30*5.0/9) || !near(d.P99, 50) || d.Max != 50 {
		t.Fatalf("dist %+v", d)
	}
	if d := distBetween(after, after); d.N != 0 {
		t.Errorf("no new observations: %+v", d)
	}
	if d := distBetween(histogram{}, scrape("")); d.N != 0 {
		t.Errorf("metric absent: %+v", d)
	}
	for _, bad := range []string{`x_seconds_bucket{le="abc"} 1`, `x_seconds_bucket{le="0.1"} many`, `x_seconds_bucket{le="0.1" 1`,
		"x_seconds_bucket{le=\"0.2\"} 1\nx_seconds_bucket{le=\"0.1\"} 1"} {
		if _, err := parseHistogram(bufio.NewScanner(strings.NewReader(bad)), "x_seconds"); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
