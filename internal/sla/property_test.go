package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The property tests draw random schedules, calendars, start times and pause sequences from a
// fixed seed, so a failure is reproducible; the iteration counts keep the file under a second.

var zones = []string{"Asia/Shanghai", "UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"}

func randomHours(r *rand.Rand) BusinessHours {
	if r.IntN(10) == 0 {
		return AlwaysOpen()
	}
	h := BusinessHours{TimeZone: zones[r.IntN(len(zones))], Weekly: map[string][]Interval{}}
	for {
		for _, day := range weekdayNames {
			if r.IntN(3) == 0 {
				continue // day off
			}
			var ivs []Interval
			at := r.IntN(12 * 60)
			for n := 1 + r.IntN(3); n > 0 && at < minutesPerDay-1; n-- {
				end := at + 1 + r.IntN(6*60)
				if end > minutesPerDay {
					end = minutesPerDay
				}
				ivs = append(ivs, Interval{Start: at, End: end})
				at = end + r.IntN(3*60)
			}
			h.Weekly[day] = ivs
		}
		if !h.IsAlwaysOpen() {
			break
		}
	}
	if r.IntN(2) == 0 {
		cal := &Calendar{Holidays: map[Date]string{}, WorkingDays: map[Date]string{}}
		for i := 0; i < 40; i++ {
			d := DateOf(time.Date(2026, 1, 1+r.IntN(365), 0, 0, 0, 0, time.UTC))
			if r.IntN(4) == 0 {
				if _, clash := cal.Holidays[d]; !clash {
					cal.WorkingDays[d] = "w"
				}
			} else if _, clash := cal.WorkingDays[d]; !clash {
				cal.Holidays[d] = "h"
			}
		}
		h.Calendar = cal
	}
	if err := h.Validate(); err != nil {
		panic(err) // the generator itself is wrong
	}
	return h
}

func randomInstant(r *rand.Rand) time.Time {
	base := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
}

func randomDuration(r *rand.Rand) time.Duration {
	switch r.IntN(3) {
	case 0:
		return time.Duration(r.Int64N(int64(time.Hour)))
	case 1:
		return time.Duration(r.Int64N(int64(48 * time.Hour)))
	default:
		return time.Duration(r.Int64N(int64(400 * time.Hour)))
	}
}

func TestPropertyDeadline(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 6))
	for i := 0; i < 400; i++ {
		h := randomHours(r)
		start := randomInstant(r)
		d1, d2 := randomDuration(r), randomDuration(r)
		if d1 > d2 {
			d1, d2 = d2, d1
		}
		dl1, dl2 := Deadline(start, d1, h), Deadline(start, d2, h)
		if dl1.Before(start) {
			t.Fatalf("#%d deadline %s before start %s", i, dl1, start)
		}
		if dl2.Before(dl1) {
			t.Fatalf("#%d more duration (%s > %s) gave an earlier deadline %s < %s", i, d2, d1, dl2, dl1)
		}
		if got := BusinessTime(start, dl2, h); got != d2 {
			t.Fatalf("#%d BusinessTime(start, Deadline(start, %s)) = %s", i, d2, got)
		}
		// A later start never gives an earlier deadline for the same duration.
		later := start.Add(randomDuration(r))
		if Deadline(later, d1, h).Before(dl1) {
			t.Fatalf("#%d later start gave an earlier deadline", i)
		}
		// Business time is additive over a split point.
		mid := start.Add(time.Duration(r.Int64N(int64(dl2.Sub(start)) + 1)))
		if BusinessTime(start, mid, h)+BusinessTime(mid, dl2, h) != d2 {
			t.Fatalf("#%d business time not additive", i)
		}
	}
}

// randomClock starts a clock and applies a random sequence of pause/resume/stop calls with
// mostly-increasing (sometimes skewed backwards) timestamps.
func randomClock(r *rand.Rand, h BusinessHours) (Clock, time.Time) {
	start := randomInstant(r)
	c := NewClock(start, randomDuration(r))
	at := start
	for n := r.IntN(8); n > 0; n-- {
		step := time.Duration(r.Int64N(int64(30 * time.Hour)))
		if r.IntN(6) == 0 {
			step = -step / 4 // clock skew: a timestamp a little in the past
		}
		at = at.Add(step)
		switch r.IntN(7) {
		case 0:
			c = c.Stop(at)
		case 1, 2, 3:
			if p, err := c.Pause(at); err == nil {
				c = p
			}
		default:
			if p, err := c.Resume(at); err == nil {
				c = p
			}
		}
	}
	return c, at
}

func TestPropertyClockNeverRunsBackwards(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	for i := 0; i < 300; i++ {
		h := randomHours(r)
		c, _ := randomClock(r, h)
		// Pauses are ordered and disjoint whatever timestamps were fed in.
		prev := c.Start
		for _, p := range c.Pauses {
			if p.From.Before(prev) || (!p.To.IsZero() && p.To.Before(p.From)) {
				t.Fatalf("#%d pauses out of order: %+v", i, c.Pauses)
			}
			prev = p.To
		}
		now := c.Start.Add(-time.Hour)
		var prevElapsed time.Duration
		prevRemaining := c.Target
		for step := 0; step < 30; step++ {
			now = now.Add(time.Duration(r.Int64N(int64(10 * time.Hour))))
			e := c.Elapsed(now, h)
			if e < prevElapsed {
				t.Fatalf("#%d clock ran backwards: %s then %s", i, prevElapsed, e)
			}
			if rem := c.Remaining(now, h); rem > prevRemaining {
				t.Fatalf("#%d remaining grew: %s then %s", i, prevRemaining, rem)
			} else {
				prevRemaining = rem
			}
			prevElapsed = e
		}
	}
}

func TestPropertyPausedTimeNeverCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	for i := 0; i < 300; i++ {
		h := randomHours(r)
		c, last := randomClock(r, h)
		now := last.Add(time.Duration(r.Int64N(int64(100 * time.Hour))))
		// Elapsed is constant across every pause.
		for _, p := range c.Pauses {
			to := p.To
			if to.IsZero() {
				to = now
			}
			a := c.Elapsed(p.From, h)
			mid := p.From.Add(to.Sub(p.From) / 2)
			if b, e := c.Elapsed(mid, h), c.Elapsed(to, h); a != b || b != e {
				t.Fatalf("#%d clock moved during a pause: %s %s %s", i, a, b, e)
			}
		}
		// Elapsed equals unpaused business time minus business time inside pauses.
		end := now
		if c.IsStopped() && c.StoppedAt.Before(end) {
			end = c.StoppedAt
		}
		want := BusinessTime(c.Start, end, h)
		for _, p := range c.Pauses {
			to := p.To
			if to.IsZero() || to.After(end) {
				to = end
			}
			want -= BusinessTime(p.From, to, h)
		}
		if got := c.Elapsed(now, h); got != want {
			t.Fatalf("#%d elapsed %s, want %s", i, got, want)
		}
		// Pauses only ever push the deadline later, and by exactly the paused business time.
		if dl, ok := c.Deadline(h); ok {
			plain := Deadline(c.Start, c.Target, h)
			if dl.Before(plain) {
				t.Fatalf("#%d a pause made the deadline earlier: %s < %s", i, dl, plain)
			}
			if dl.Before(c.Start) {
				t.Fatalf("#%d deadline before start", i)
			}
			if c.Target > 0 {
				if got := (Clock{Start: c.Start, Target: c.Target, Pauses: c.Pauses}).Elapsed(dl, h); got != c.Target {
					t.Fatalf("#%d elapsed at deadline = %s, want target %s", i, got, c.Target)
				}
			}
		}
	}
}
