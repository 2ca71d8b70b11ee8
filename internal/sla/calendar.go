package sla

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"kefu/internal/apperr"
)

// Date is a local calendar date, written "2026-10-01" in JSON (also as a map key).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "2026-10-01" and rejects impossible dates such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

// DateOf is the local date of t.
func DateOf(t time.Time) Date { y, m, d := t.Date(); return Date{y, m, d} }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Weekday of the date.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// MarshalText writes "2026-10-01".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "2026-10-01".
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Calendar lists days off and make-up working days (调休: a weekend day worked in exchange for
// a longer holiday). Both are data, so a shop can load its own region's or company's calendar.
type Calendar struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Holidays    map[Date]string `json:"holidays"`
	WorkingDays map[Date]string `json:"working_days,omitempty"`
}

// Validate rejects a date that is both a holiday and a make-up working day.
func (c *Calendar) Validate() error {
	for d := range c.WorkingDays {
		if _, both := c.Holidays[d]; both {
			return apperr.Invalid("calendar", fmt.Sprintf("%s is both a holiday and a working day", d))
		}
	}
	return nil
}

// Merge combines calendars (e.g. 2026 and 2027) into one; later calendars win on conflicts.
func Merge(name string, cals ...*Calendar) *Calendar {
	out := &Calendar{Name: name, Holidays: map[Date]string{}, WorkingDays: map[Date]string{}}
	for _, c := range cals {
		if c == nil {
			continue
		}
		for d, n := range c.Holidays {
			delete(out.WorkingDays, d)
			out.Holidays[d] = n
		}
		for d, n := range c.WorkingDays {
			delete(out.Holidays, d)
			out.WorkingDays[d] = n
		}
	}
	return out
}

// SortedHolidays lists holiday dates in order (for display and stable output).
func (c *Calendar) SortedHolidays() []Date { return sortedDates(c.Holidays) }

// SortedWorkingDays lists make-up working days in order.
func (c *Calendar) SortedWorkingDays() []Date { return sortedDates(c.WorkingDays) }

func sortedDates(m map[Date]string) []Date {
	out := make([]Date, 0, len(m))
	for d := range m {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// ParseCalendar reads a calendar from JSON, rejecting unknown fields and bad dates.
func ParseCalendar(b []byte) (*Calendar, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Calendar
	if err := dec.Decode(&c); err != nil {
		return nil, apperr.BadRequest("invalid_calendar", err.Error())
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

//go:embed calendars/*.json
var calendarFiles embed.FS

// BuiltinCalendar loads a calendar shipped with kefu, e.g. "cn-2026".
func BuiltinCalendar(name string) (*Calendar, error) {
	if strings.ContainsAny(name, `/\.`) || name == "" {
		return nil, apperr.NotFound("calendar " + name)
	}
	b, err := calendarFiles.ReadFile("calendars/" + name + ".json")
	if err != nil {
		return nil, apperr.NotFound("calendar " + name)
	}
	return ParseCalendar(b)
}

// ChinaHours is the default schedule for a mainland-China team: 09:00-18:00 Beijing time on
// weekdays, with the official 2026 holidays and 调休 working days.
func ChinaHours() BusinessHours {
	cal, err := BuiltinCalendar("cn-2026")
	if err != nil {
		// The calendar is embedded and covered by tests; failing here is a build defect.
		panic("sla: embedded cn-2026 calendar: " + err.Error())
	}
	h := Weekdays("Asia/Shanghai", Interval{Start: 9 * 60, End: 18 * 60})
	h.Name = "cn-default"
	h.CalendarName = "cn-2026"
	h.Calendar = cal
	return h
}
