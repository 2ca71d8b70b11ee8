// Package sla holds the pure rules of service-level agreements: business hours with holiday
// calendars, business-time deadline arithmetic, SLA clocks that pause while a ticket waits on
// the customer, and policies that pick first-response and resolution targets by priority and
// customer tier. Nothing here touches a database or the wall clock; callers pass "now".
package sla

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	// Deadlines must be computed the same way on a bare container without /usr/share/zoneinfo.
	_ "time/tzdata"

	"kefu/internal/apperr"
)

// minutesPerDay bounds an Interval: 24:00 is allowed as an end so a shift can run to midnight.
const minutesPerDay = 24 * 60

// Interval is one working span inside a day, in minutes since local midnight: [Start, End).
type Interval struct {
	Start int // minutes since midnight, 0..1439
	End   int // minutes since midnight, Start+1..1440
}

// ParseInterval reads "09:00-18:00" (24:00 allowed as an end).
func ParseInterval(s string) (Interval, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Interval{}, fmt.Errorf("interval %q: want HH:MM-HH:MM", s)
	}
	start, err := parseClock(a)
	if err != nil {
		return Interval{}, fmt.Errorf("interval %q: %w", s, err)
	}
	end, err := parseClock(b)
	if err != nil {
		return Interval{}, fmt.Errorf("interval %q: %w", s, err)
	}
	iv := Interval{Start: start, End: end}
	if err := iv.validate(); err != nil {
		return Interval{}, fmt.Errorf("interval %q: %w", s, err)
	}
	return iv, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return hh*60 + mm, nil
}

func (iv Interval) validate() error {
	if iv.Start < 0 || iv.Start >= minutesPerDay || iv.End <= iv.Start || iv.End > minutesPerDay {
		return fmt.Errorf("start must be before end within one day")
	}
	return nil
}

// String renders "09:00-18:00".
func (iv Interval) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", iv.Start/60, iv.Start%60, iv.End/60, iv.End%60)
}

// MarshalJSON writes the interval as "09:00-18:00" so stored schedules stay readable.
func (iv Interval) MarshalJSON() ([]byte, error) { return json.Marshal(iv.String()) }

// UnmarshalJSON reads "09:00-18:00".
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("interval: want a string like \"09:00-18:00\"")
	}
	parsed, err := ParseInterval(s)
	if err != nil {
		return err
	}
	*iv = parsed
	return nil
}

// BusinessHours is a team's working schedule. Deadlines count only time inside it.
//
// A schedule with no weekly hours at all means "always open" (24×7, calendar ignored): that is
// the safe zero value, and it keeps Deadline total for any input.
type BusinessHours struct {
	Name string `json:"name,omitempty"`
	// TimeZone is an IANA name such as "Asia/Shanghai"; empty means UTC.
	TimeZone string `json:"time_zone"`
	// Weekly maps a lower-case English weekday ("monday") to its working intervals.
	Weekly map[string][]Interval `json:"weekly"`
	// MakeupDayHours are the hours worked on a make-up working day (调休上班) that falls on a
	// day the weekly schedule has off. Empty means "Monday's hours".
	MakeupDayHours []Interval `json:"makeup_day_hours,omitempty"`
	// Calendar lists holidays and make-up working days; nil means none.
	Calendar *Calendar `json:"calendar,omitempty"`
	// CalendarName names a built-in calendar (e.g. "cn-2026") to use when Calendar is not
	// given inline; Prepared loads it. It keeps stored team schedules small.
	CalendarName string `json:"calendar_name,omitempty"`

	loc *time.Location
}

var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// AlwaysOpen is a 24×7 schedule in UTC.
func AlwaysOpen() BusinessHours { return BusinessHours{Name: "24x7"} }

// Weekdays builds a schedule with the same hours Monday to Friday.
func Weekdays(tz string, hours ...Interval) BusinessHours {
	w := map[string][]Interval{}
	for d := time.Monday; d <= time.Friday; d++ {
		w[weekdayNames[d]] = append([]Interval(nil), hours...)
	}
	return BusinessHours{TimeZone: tz, Weekly: w}
}

// IsAlwaysOpen reports whether the schedule has no weekly hours (24×7).
func (h BusinessHours) IsAlwaysOpen() bool {
	for _, ivs := range h.Weekly {
		if len(ivs) > 0 {
			return false
		}
	}
	return true
}

// Validate checks time zone, weekday names and intervals (sorted, not overlapping).
func (h BusinessHours) Validate() error {
	if _, err := h.location(); err != nil {
		return apperr.Invalid("time_zone", fmt.Sprintf("unknown time zone %q", h.TimeZone))
	}
	for day, ivs := range h.Weekly {
		if !isWeekdayName(day) {
			return apperr.Invalid("weekly", fmt.Sprintf("unknown weekday %q (want monday … sunday)", day))
		}
		if err := validateIntervals(ivs); err != nil {
			return apperr.Invalid("weekly."+day, err.Error())
		}
	}
	if err := validateIntervals(h.MakeupDayHours); err != nil {
		return apperr.Invalid("makeup_day_hours", err.Error())
	}
	if h.Calendar != nil {
		if err := h.Calendar.Validate(); err != nil {
			return err
		}
	} else if h.CalendarName != "" {
		if _, err := BuiltinCalendar(h.CalendarName); err != nil {
			return apperr.Invalid("calendar_name", fmt.Sprintf("no built-in calendar %q", h.CalendarName))
		}
	}
	return nil
}

func isWeekdayName(s string) bool {
	for _, n := range weekdayNames {
		if n == s {
			return true
		}
	}
	return false
}

func validateIntervals(ivs []Interval) error {
	for i, iv := range ivs {
		if err := iv.validate(); err != nil {
			return fmt.Errorf("interval %s: %w", iv, err)
		}
		if i > 0 && iv.Start < ivs[i-1].End {
			return fmt.Errorf("intervals %s and %s overlap or are out of order", ivs[i-1], iv)
		}
	}
	return nil
}

// Location resolves the schedule's time zone.
func (h BusinessHours) location() (*time.Location, error) {
	if h.loc != nil {
		return h.loc, nil
	}
	if h.TimeZone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(h.TimeZone)
}

// Prepared validates the schedule, loads a named built-in calendar and caches the location:
// call it once on a schedule read from storage before doing deadline maths with it.
func (h BusinessHours) Prepared() (BusinessHours, error) {
	if err := h.Validate(); err != nil {
		return h, err
	}
	if h.Calendar == nil && h.CalendarName != "" {
		h.Calendar, _ = BuiltinCalendar(h.CalendarName) // checked by Validate
	}
	loc, _ := h.location()
	h.loc = loc
	return h, nil
}

// mustLocation returns the location, falling back to UTC for an invalid zone: the pure maths must stay
// total, and Validate is where a bad zone is reported.
func (h BusinessHours) mustLocation() *time.Location {
	loc, err := h.location()
	if err != nil {
		return time.UTC
	}
	return loc
}

// hoursOn returns the working intervals of one local calendar date.
func (h BusinessHours) hoursOn(y int, m time.Month, d int) []Interval {
	date := Date{Year: y, Month: m, Day: d}
	if h.Calendar != nil {
		if _, off := h.Calendar.Holidays[date]; off {
			return nil
		}
	}
	wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
	ivs := h.Weekly[weekdayNames[wd]]
	if len(ivs) == 0 && h.Calendar != nil {
		if _, makeup := h.Calendar.WorkingDays[date]; makeup {
			if len(h.MakeupDayHours) > 0 {
				return h.MakeupDayHours
			}
			return h.Weekly["monday"]
		}
	}
	return ivs
}

// IsOpen reports whether t falls inside working hours.
func (h BusinessHours) IsOpen(t time.Time) bool {
	if h.IsAlwaysOpen() {
		return true
	}
	lt := t.In(h.mustLocation())
	y, m, d := lt.Date()
	for _, iv := range h.hoursOn(y, m, d) {
		s, e := spanOf(y, m, d, iv, lt.Location())
		if !lt.Before(s) && lt.Before(e) {
			return true
		}
	}
	return false
}

// spanOf turns an interval of a local date into absolute instants.
func spanOf(y int, m time.Month, d int, iv Interval, loc *time.Location) (time.Time, time.Time) {
	s := time.Date(y, m, d, 0, iv.Start, 0, 0, loc)
	e := time.Date(y, m, d, 0, iv.End, 0, 0, loc)
	return s, e
}
