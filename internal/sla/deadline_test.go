package sla

import (
	"testing"
	"time"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// cst builds a Beijing-time instant: cst("2026-03-02 10:00").
func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func iv(s string) Interval {
	v, err := ParseInterval(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestDeadlineChinaBusinessHours(t *testing.T) {
	cn := ChinaHours() // Mon-Fri 09:00-18:00 Asia/Shanghai + 2026 holidays and 调休
	lunch := Weekdays("Asia/Shanghai", iv("09:00-12:00"), iv("13:30-18:00"))
	makeup := ChinaHours()
	makeup.MakeupDayHours = []Interval{iv("10:00-16:00")}

	cases := []struct {
		name  string
		start time.Time
		d     time.Duration
		hours BusinessHours
		want  time.Time
	}{
		{"within one day", cst("2026-03-02 10:00"), 2 * time.Hour, cn, cst("2026-03-02 12:00")},
		{"rolls over to next morning", cst("2026-03-02 17:00"), 2 * time.Hour, cn, cst("2026-03-03 10:00")},
		{"friday evening rolls over the weekend", cst("2026-03-06 17:00"), 2 * time.Hour, cn, cst("2026-03-09 10:00")},
		{"started on saturday counts from monday", cst("2026-03-07 10:00"), time.Hour, cn, cst("2026-03-09 10:00")},
		{"started before opening", cst("2026-03-02 07:00"), 30 * time.Minute, cn, cst("2026-03-02 09:30")},
		{"started after closing", cst("2026-03-02 22:00"), 30 * time.Minute, cn, cst("2026-03-03 09:30")},
		{"exactly one working day ends at closing", cst("2026-03-02 09:00"), 9 * time.Hour, cn, cst("2026-03-02 18:00")},
		{"multi-day target", cst("2026-03-02 09:00"), 24 * time.Hour, cn, cst("2026-03-04 15:00")},
		{"zero duration is the start", cst("2026-03-07 10:00"), 0, cn, cst("2026-03-07 10:00")},
		{"negative duration is the start", cst("2026-03-02 10:00"), -time.Hour, cn, cst("2026-03-02 10:00")},
		{"spring festival make-up saturday 2026-02-14 is a working day", cst("2026-02-13 17:00"), 2 * time.Hour, cn, cst("2026-02-14 10:00")},
		{"spring festival 2026-02-15..23 is skipped", cst("2026-02-14 17:00"), 2 * time.Hour, cn, cst("2026-02-24 10:00")},
		{"make-up saturday 2026-02-28 works", cst("2026-02-27 18:00"), time.Hour, cn, cst("2026-02-28 10:00")},
		{"national day 2026-10-01..07 is skipped", cst("2026-09-30 17:00"), 2 * time.Hour, cn, cst("2026-10-08 10:00")},
		{"make-up sunday 2026-09-20 works", cst("2026-09-20 09:00"), time.Hour, cn, cst("2026-09-20 10:00")},
		{"new year 2026-01-01..03 then make-up sunday 01-04", cst("2026-01-01 10:00"), time.Hour, cn, cst("2026-01-04 10:00")},
		{"labour day 05-01..05 skipped", cst("2026-04-30 17:30"), time.Hour, cn, cst("2026-05-06 09:30")},
		{"qingming monday 04-06 is off", cst("2026-04-03 17:00"), 2 * time.Hour, cn, cst("2026-04-07 10:00")},
		{"lunch break is not business time", cst("2026-03-02 11:00"), 2 * time.Hour, lunch, cst("2026-03-02 14:30")},
		{"start during lunch waits for the afternoon", cst("2026-03-02 12:30"), time.Hour, lunch, cst("2026-03-02 14:30")},
		{"make-up day uses make-up hours", cst("2026-02-14 08:00"), time.Hour, makeup, cst("2026-02-14 11:00")},
		{"always open is wall-clock", cst("2026-03-07 23:00"), 5 * time.Hour, AlwaysOpen(), cst("2026-03-08 04:00")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Deadline(tc.start, tc.d, tc.hours)
			if !got.Equal(tc.want) {
				t.Fatalf("Deadline(%s, %s) = %s, want %s", tc.start, tc.d, got.In(shanghai), tc.want)
			}
			if tc.d > 0 {
				if back := BusinessTime(tc.start, got, tc.hours); back != tc.d {
					t.Fatalf("BusinessTime(start, deadline) = %s, want %s", back, tc.d)
				}
			}
		})
	}
}

func TestDeadlineKeepsStartLocation(t *testing.T) {
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	got := Deadline(start, time.Hour, ChinaHours())
	if got.Location() != time.UTC || !got.Equal(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %s, want 2026-03-02 02:00 UTC", got)
	}
}

func TestDeadlineAcrossDSTChange(t *testing.T) {
	// New York springs forward on 2026-03-08 (Sunday). Friday 16:00 + 3h must be Monday 11:00
	// local time, whatever the UTC offset did over the weekend.
	ny := mustLoc("America/New_York")
	h := Weekdays("America/New_York", iv("09:00-17:00"))
	start := time.Date(2026, 3, 6, 16, 0, 0, 0, ny)
	want := time.Date(2026, 3, 9, 11, 0, 0, 0, ny)
	if got := Deadline(start, 3*time.Hour, h); !got.Equal(want) {
		t.Fatalf("got %s, want %s", got.In(ny), want)
	}
}

func TestBusinessTime(t *testing.T) {
	cn := ChinaHours()
	cases := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"same day", cst("2026-03-02 10:00"), cst("2026-03-02 12:30"), 150 * time.Minute},
		{"over the weekend", cst("2026-03-06 17:00"), cst("2026-03-09 10:00"), 2 * time.Hour},
		{"nights do not count", cst("2026-03-02 18:00"), cst("2026-03-03 09:00"), 0},
		{"backwards interval is zero", cst("2026-03-03 10:00"), cst("2026-03-02 10:00"), 0},
		{"a full week", cst("2026-03-02 00:00"), cst("2026-03-09 00:00"), 45 * time.Hour},
		{"spring festival week is empty", cst("2026-02-15 00:00"), cst("2026-02-24 00:00"), 0},
		{"national day week with two make-up days", cst("2026-09-20 00:00"), cst("2026-10-11 00:00"), // 09-20 (Sun, make-up) 9h + 09-21..24 4×9h + 09-28..30 3×9h + 10-08..09 2×9h + 10-10 (Sat, make-up) 9h;
			// 09-25..27 and 10-01..07 are holidays.
			(9 + 4*9 + 3*9 + 2*9 + 9) * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := BusinessTime(tc.from, tc.to, cn); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNextOpenAndIsOpen(t *testing.T) {
	cn := ChinaHours()
	cases := []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{cst("2026-03-02 10:00"), true, cst("2026-03-02 10:00")},
		{cst("2026-03-02 18:00"), false, cst("2026-03-03 09:00")},
		{cst("2026-03-07 12:00"), false, cst("2026-03-09 09:00")},
		{cst("2026-10-01 10:00"), false, cst("2026-10-08 09:00")},
		{cst("2026-10-10 10:00"), true, cst("2026-10-10 10:00")},
	}
	for _, tc := range cases {
		if got := cn.IsOpen(tc.at); got != tc.open {
			t.Errorf("IsOpen(%s) = %v, want %v", tc.at, got, tc.open)
		}
		if got := NextOpen(tc.at, cn); !got.Equal(tc.next) {
			t.Errorf("NextOpen(%s) = %s, want %s", tc.at, got, tc.next)
		}
	}
}
