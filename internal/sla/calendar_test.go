package sla

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"kefu/internal/apperr"
)

func TestChina2026Calendar(t *testing.T) {
	cal, err := BuiltinCalendar("cn-2026")
	if err != nil {
		t.Fatal(err)
	}
	// The official notice lists 33 days off (3+9+3+5+3+3+7) and 6 make-up working days.
	if got := len(cal.Holidays); got != 33 {
		t.Errorf("holidays = %d, want 33", got)
	}
	if got := len(cal.WorkingDays); got != 6 {
		t.Errorf("make-up working days = %d, want 6", got)
	}
	for _, d := range cal.SortedWorkingDays() {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up working day %s is a %s; 调休 days are weekend days", d, wd)
		}
		if d.Year != 2026 {
			t.Errorf("%s is not in 2026", d)
		}
	}
	// Spot checks from the notice's own weekday annotations.
	for date, want := range map[string]time.Weekday{
		"2026-01-01": time.Thursday, "2026-02-15": time.Sunday, "2026-02-23": time.Monday,
		"2026-04-04": time.Saturday, "2026-05-05": time.Tuesday, "2026-06-19": time.Friday,
		"2026-09-25": time.Friday, "2026-10-07": time.Wednesday,
	} {
		d, _ := ParseDate(date)
		if _, ok := cal.Holidays[d]; !ok {
			t.Errorf("%s missing from holidays", date)
		}
		if d.Weekday() != want {
			t.Errorf("%s is a %s, notice says %s", date, d.Weekday(), want)
		}
	}
}

func TestCalendarErrors(t *testing.T) {
	cases := []struct {
		name, json, code string
	}{
		{"bad date", `{"name":"x","holidays":{"2026-02-30":"no such day"}}`, "invalid_calendar"},
		{"unknown field", `{"name":"x","holidays":{},"extra":1}`, "invalid_calendar"},
		{"not json", `holidays`, "invalid_calendar"},
		{"both holiday and working day", `{"name":"x","holidays":{"2026-01-04":"h"},"working_days":{"2026-01-04":"w"}}`, "invalid_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCalendar([]byte(tc.json))
			ae, ok := apperr.As(err)
			if !ok || ae.Code != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	if _, err := BuiltinCalendar("../etc/passwd"); err == nil {
		t.Fatal("path-like calendar name accepted")
	}
	if _, err := BuiltinCalendar("cn-1999"); err == nil {
		t.Fatal("missing calendar accepted")
	}
}

func TestMergeCalendars(t *testing.T) {
	d1, _ := ParseDate("2026-01-04")
	a := &Calendar{Holidays: map[Date]string{d1: "off"}}
	b := &Calendar{WorkingDays: map[Date]string{d1: "work"}}
	m := Merge("m", a, nil, b)
	if _, ok := m.Holidays[d1]; ok {
		t.Fatal("later calendar should win")
	}
	if _, ok := m.WorkingDays[d1]; !ok {
		t.Fatal("working day lost")
	}
}

func TestBusinessHoursValidation(t *testing.T) {
	cases := []struct {
		name  string
		json  string
		field string
	}{
		{"unknown zone", `{"time_zone":"Mars/Olympus","weekly":{}}`, "time_zone"},
		{"unknown weekday", `{"time_zone":"UTC","weekly":{"funday":["09:00-18:00"]}}`, "weekly"},
		{"overlap", `{"time_zone":"UTC","weekly":{"monday":["09:00-13:00","12:00-18:00"]}}`, "weekly.monday"},
		{"out of order", `{"time_zone":"UTC","weekly":{"monday":["13:00-18:00","09:00-12:00"]}}`, "weekly.monday"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h BusinessHours
			if err := json.Unmarshal([]byte(tc.json), &h); err != nil {
				t.Fatal(err)
			}
			err := h.Validate()
			ae, ok := apperr.As(err)
			if !ok || ae.Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
	for _, bad := range []string{`"18:00-09:00"`, `"09:00"`, `"25:00-26:00"`, `"09:60-10:00"`, `"9-10"`, `"24:30-24:45"`, `17`} {
		var v Interval
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("interval %s accepted", bad)
		}
	}
	var ok Interval
	if err := json.Unmarshal([]byte(`"18:00-24:00"`), &ok); err != nil || ok.End != 1440 {
		t.Fatalf("18:00-24:00: %v %+v", err, ok)
	}
	// The default China schedule is valid and round-trips through JSON.
	cn := ChinaHours()
	if err := cn.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(cn)
	if err != nil {
		t.Fatal(err)
	}
	var back BusinessHours
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := Deadline(cst("2026-02-13 17:00"), 2*time.Hour, back), cst("2026-02-14 10:00"); !got.Equal(want) {
		t.Fatalf("round-tripped schedule gives %s, want %s", got, want)
	}
	// A stored schedule can name the built-in calendar instead of carrying it.
	var named BusinessHours
	if err := json.Unmarshal([]byte(`{"time_zone":"Asia/Shanghai","weekly":{"monday":["09:00-18:00"],"tuesday":["09:00-18:00"],"wednesday":["09:00-18:00"],"thursday":["09:00-18:00"],"friday":["09:00-18:00"]},"calendar_name":"cn-2026"}`), &named); err != nil {
		t.Fatal(err)
	}
	named, err = named.Prepared()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Deadline(cst("2026-09-30 17:00"), 2*time.Hour, named), cst("2026-10-08 10:00"); !got.Equal(want) {
		t.Fatalf("named calendar gives %s, want %s", got, want)
	}
	if _, err := (BusinessHours{CalendarName: "cn-1999"}).Prepared(); err == nil {
		t.Fatal("unknown calendar name accepted")
	}
	if _, err := (BusinessHours{TimeZone: "Nowhere/Nope"}).Prepared(); !errors.As(err, new(*apperr.Error)) {
		t.Fatalf("Prepared accepted a bad zone: %v", err)
	}
}
