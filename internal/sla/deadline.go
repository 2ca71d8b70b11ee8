package sla

import "time"

// maxScanDays bounds the day-by-day walk. A valid schedule has working hours at least one
// weekday and a finite calendar, so the walk always ends long before this; the bound only keeps
// absurd inputs (centuries of SLA time) from looping for seconds.
const maxScanDays = 366 * 100

// farFuture is returned when a deadline lies beyond maxScanDays: "never, for practical purposes".
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Deadline is the instant at which d of business time has elapsed since start, counting only
// time inside h's working hours (and outside its holidays). d ≤ 0 gives start. The result is in
// start's location.
func Deadline(start time.Time, d time.Duration, h BusinessHours) time.Time {
	if d <= 0 {
		return start
	}
	if h.IsAlwaysOpen() {
		return start.Add(d)
	}
	loc := h.mustLocation()
	cur := start.In(loc)
	remaining := d
	y, m, day := cur.Date()
	for i := 0; i < maxScanDays; i++ {
		dy, dm, dd := time.Date(y, m, day+i, 12, 0, 0, 0, time.UTC).Date()
		for _, iv := range h.hoursOn(dy, dm, dd) {
			s, e := spanOf(dy, dm, dd, iv, loc)
			if !e.After(s) || !e.After(cur) {
				continue // DST oddity, or an interval already behind us
			}
			if s.Before(cur) {
				s = cur
			}
			if avail := e.Sub(s); remaining <= avail {
				return s.Add(remaining).In(start.Location())
			} else {
				remaining -= avail
			}
		}
	}
	return farFuture
}

// BusinessTime is the working time inside [from, to): the inverse of Deadline, so that
// BusinessTime(start, Deadline(start, d, h), h) == d. It is 0 when to is not after from.
func BusinessTime(from, to time.Time, h BusinessHours) time.Duration {
	if !to.After(from) {
		return 0
	}
	if h.IsAlwaysOpen() {
		return to.Sub(from)
	}
	loc := h.mustLocation()
	a, b := from.In(loc), to.In(loc)
	var total time.Duration
	y, m, day := a.Date()
	for i := 0; i < maxScanDays; i++ {
		dy, dm, dd := time.Date(y, m, day+i, 12, 0, 0, 0, time.UTC).Date()
		if time.Date(dy, dm, dd, 0, 0, 0, 0, loc).After(b) {
			break
		}
		for _, iv := range h.hoursOn(dy, dm, dd) {
			s, e := spanOf(dy, dm, dd, iv, loc)
			if s.Before(a) {
				s = a
			}
			if e.After(b) {
				e = b
			}
			if e.After(s) {
				total += e.Sub(s)
			}
		}
	}
	return total
}

// NextOpen is the first instant at or after t inside working hours (t itself when open). It is
// what an agent sees as "the clock starts at": a ticket filed on Saturday starts Monday 09:00.
func NextOpen(t time.Time, h BusinessHours) time.Time {
	if h.IsAlwaysOpen() {
		return t
	}
	// Deadline of the smallest positive duration lands one nanosecond after the first working
	// instant; stepping back gives that instant.
	return Deadline(t, time.Nanosecond, h).Add(-time.Nanosecond)
}
