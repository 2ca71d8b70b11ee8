package app

import (
	"testing"
	"time"
)

func TestNextNightly(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, c := range []struct{ now, want time.Time }{
		{time.Date(2026, 11, 24, 1, 0, 0, 0, cst), time.Date(2026, 11, 24, 3, 0, 0, 0, cst)},
		{time.Date(2026, 11, 24, 3, 0, 0, 0, cst), time.Date(2026, 11, 25, 3, 0, 0, 0, cst)}, // strictly after
		{time.Date(2026, 11, 24, 23, 59, 0, 0, cst), time.Date(2026, 11, 25, 3, 0, 0, 0, cst)},
		{time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC), time.Date(2026, 11, 25, 3, 0, 0, 0, cst)}, // 03:30 CST on the 24th
		{time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), time.Date(2027, 1, 2, 3, 0, 0, 0, cst)},    // 04:00 CST on New Year's Day
	} {
		if got := NextNightly(c.now); !got.Equal(c.want) {
			t.Errorf("NextNightly(%v) = %v, want %v", c.now, got, c.want)
		}
	}
}
