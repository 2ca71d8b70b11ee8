package sla

import (
	"testing"
	"time"
)

func BenchmarkDeadlineChina(b *testing.B) {
	h, _ := ChinaHours().Prepared()
	start := cst("2026-09-30 17:00")
	for _, d := range []time.Duration{30 * time.Minute, 8 * time.Hour, 72 * time.Hour} {
		b.Run(d.String(), func(b *testing.B) {
			for b.Loop() {
				Deadline(start, d, h)
			}
		})
	}
}

func BenchmarkClockStateWithPauses(b *testing.B) {
	h, _ := ChinaHours().Prepared()
	c := NewClock(cst("2026-03-02 09:00"), 72*time.Hour)
	for i := 0; i < 5; i++ {
		c, _ = c.Pause(cst("2026-03-02 09:00").Add(time.Duration(i*26) * time.Hour))
		c, _ = c.Resume(cst("2026-03-02 09:00").Add(time.Duration(i*26+3) * time.Hour))
	}
	now := cst("2026-03-10 12:00")
	for b.Loop() {
		c.StateAt(now, 18*time.Hour, h)
	}
}
