package sla

import (
	"testing"
	"time"

	"kefu/internal/apperr"
)

func TestClockPauseShiftsDeadline(t *testing.T) {
	cn := ChinaHours()
	c := NewClock(cst("2026-03-02 09:00"), 4*time.Hour) // due 13:00
	if dl, ok := c.Deadline(cn); !ok || !dl.Equal(cst("2026-03-02 13:00")) {
		t.Fatalf("deadline %s %v", dl, ok)
	}
	// Pending on the customer from 10:00 to 11:30: 1h30 of business time pushed.
	c, err := c.Pause(cst("2026-03-02 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Deadline(cn); ok {
		t.Fatal("a paused clock that has not reached its target has no deadline")
	}
	if got := c.StateAt(cst("2026-03-02 11:00"), time.Hour, cn); got != StatePaused {
		t.Fatalf("state = %s, want paused", got)
	}
	if got := c.Elapsed(cst("2026-03-02 11:00"), cn); got != time.Hour {
		t.Fatalf("elapsed while paused = %s, want 1h", got)
	}
	c, err = c.Resume(cst("2026-03-02 11:30"))
	if err != nil {
		t.Fatal(err)
	}
	if dl, _ := c.Deadline(cn); !dl.Equal(cst("2026-03-02 14:30")) {
		t.Fatalf("deadline after pause = %s, want 14:30", dl)
	}
	if got := c.Remaining(cst("2026-03-02 12:30"), cn); got != 2*time.Hour {
		t.Fatalf("remaining = %s, want 2h", got)
	}
	if w, _ := c.WarnAt(time.Hour, cn); !w.Equal(cst("2026-03-02 13:30")) {
		t.Fatalf("warn at %s, want 13:30", w)
	}
	// A pause over a night only pushes by the business time inside it.
	c2 := NewClock(cst("2026-03-02 17:00"), 2*time.Hour) // due 03-03 10:00
	c2, _ = c2.Pause(cst("2026-03-02 17:30"))
	c2, _ = c2.Resume(cst("2026-03-03 09:15"))
	if dl, _ := c2.Deadline(cn); !dl.Equal(cst("2026-03-03 10:45")) {
		t.Fatalf("deadline = %s, want 10:45", dl)
	}
}

func TestClockStates(t *testing.T) {
	cn := ChinaHours()
	start := cst("2026-03-02 09:00")
	c := NewClock(start, 2*time.Hour) // due 11:00, warn 1h before = 10:00
	cases := []struct {
		name string
		c    Clock
		now  time.Time
		want State
	}{
		{"running", c, cst("2026-03-02 09:30"), StateRunning},
		{"warning at the warn instant", c, cst("2026-03-02 10:00"), StateWarning},
		{"still not breached at the deadline", c, cst("2026-03-02 11:00"), StateWarning},
		{"breached after the deadline", c, cst("2026-03-02 11:01"), StateBreached},
		{"breached overnight stays breached", c, cst("2026-03-03 08:00"), StateBreached},
		{"met before the deadline", c.Stop(cst("2026-03-02 10:59")), cst("2026-03-02 12:00"), StateMet},
		{"met exactly at the deadline", c.Stop(cst("2026-03-02 11:00")), cst("2026-03-02 12:00"), StateMet},
		{"missed", c.Stop(cst("2026-03-02 11:30")), cst("2026-03-02 12:00"), StateMissed},
		{"breached before a late pause", mustPause(c, cst("2026-03-02 11:30")), cst("2026-03-02 12:00"), StateBreached},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.StateAt(tc.now, time.Hour, cn); got != tc.want {
				t.Fatalf("state = %s, want %s", got, tc.want)
			}
		})
	}
	if !c.Breached(cst("2026-03-02 11:01"), cn) || c.Breached(cst("2026-03-02 11:00"), cn) {
		t.Fatal("Breached disagrees with the deadline")
	}
	if c.Stop(cst("2026-03-02 10:00")).Breached(cst("2026-03-05 10:00"), cn) {
		t.Fatal("a clock met in time is never breached")
	}
}

func mustPause(c Clock, at time.Time) Clock {
	c, err := c.Pause(at)
	if err != nil {
		panic(err)
	}
	return c
}

func TestClockErrorsAndClamping(t *testing.T) {
	cn := ChinaHours()
	c := NewClock(cst("2026-03-02 09:00"), time.Hour)
	if _, err := c.Resume(cst("2026-03-02 10:00")); code(err) != "sla_not_paused" {
		t.Fatalf("resume running: %v", err)
	}
	p := mustPause(c, cst("2026-03-02 09:30"))
	if _, err := p.Pause(cst("2026-03-02 09:40")); code(err) != "sla_already_paused" {
		t.Fatalf("double pause: %v", err)
	}
	// Resuming "before" the pause started (clock skew) clamps instead of running backwards.
	r, err := p.Resume(cst("2026-03-02 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Pauses[0].To.Equal(cst("2026-03-02 09:30")) {
		t.Fatalf("resume not clamped: %+v", r.Pauses[0])
	}
	s := c.Stop(cst("2026-03-02 09:10"))
	if _, err := s.Pause(cst("2026-03-02 09:20")); code(err) != "sla_stopped" {
		t.Fatalf("pause stopped: %v", err)
	}
	if again := s.Stop(cst("2026-03-02 12:00")); !again.StoppedAt.Equal(s.StoppedAt) {
		t.Fatal("second stop moved the first response time")
	}
	// Stopping while paused closes the pause.
	sp := p.Stop(cst("2026-03-02 11:00"))
	if sp.IsPaused() || !sp.Pauses[0].To.Equal(cst("2026-03-02 11:00")) {
		t.Fatalf("stop while paused: %+v", sp)
	}
	if got := sp.Elapsed(cst("2026-03-03 11:00"), cn); got != 30*time.Minute {
		t.Fatalf("elapsed = %s, want 30m", got)
	}
	// Pause does not mutate the receiver (values, not shared slices).
	p2 := mustPause(NewClock(cst("2026-03-02 09:00"), time.Hour), cst("2026-03-02 09:05"))
	r2, _ := p2.Resume(cst("2026-03-02 09:10"))
	if !p2.IsPaused() || r2.IsPaused() {
		t.Fatal("Resume mutated its receiver")
	}
}

func code(err error) string {
	if ae, ok := apperr.As(err); ok {
		return ae.Code
	}
	return ""
}
