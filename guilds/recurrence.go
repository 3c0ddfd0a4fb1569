package guilds

import (
	"encoding/json"
	"slices"

	"github.com/parley-chat/parley/opcodes"
)

// Recurrence rule frequencies, as Discord numbers them.
const (
	freqYearly  = 0
	freqMonthly = 1
	freqWeekly  = 2
	freqDaily   = 3
)

// RecurrenceRule is a scheduled event's recurrence_rule as a client sends it. end, count and
// by_year_day exist in the object but cannot be set by applications.
type RecurrenceRule struct {
	Start      opcodes.Timestamp  `json:"start"`
	End        *opcodes.Timestamp `json:"end"`
	Frequency  *int               `json:"frequency"`
	Interval   *int               `json:"interval"`
	ByWeekday  []int              `json:"by_weekday"`
	ByNWeekday []NWeekday         `json:"by_n_weekday"`
	ByMonth    []int              `json:"by_month"`
	ByMonthDay []int              `json:"by_month_day"`
	ByYearDay  []int              `json:"by_year_day"`
	Count      *int               `json:"count"`
}

// NWeekday is the n-th weekday of a month (n 1–5, 5 being the last).
type NWeekday struct {
	N   int `json:"n"`
	Day int `json:"day"`
}

// recurrenceOut is the rule as Discord returns it: every key present, unset lists null.
type recurrenceOut struct {
	Start      opcodes.Timestamp  `json:"start"`
	End        *opcodes.Timestamp `json:"end"`
	Frequency  int                `json:"frequency"`
	Interval   int                `json:"interval"`
	ByWeekday  []int              `json:"by_weekday"`
	ByNWeekday []NWeekday         `json:"by_n_weekday"`
	ByMonth    []int              `json:"by_month"`
	ByMonthDay []int              `json:"by_month_day"`
	ByYearDay  []int              `json:"by_year_day"`
	Count      *int               `json:"count"`
}

// dailyWeekdaySets are the weekday sets Discord allows on a daily rule.
var dailyWeekdaySets = [][]int{{0, 1, 2, 3, 4}, {1, 2, 3, 4, 5}, {6, 0, 1, 2, 3}, {4, 5}, {5, 6}, {6, 0}}

// validateRecurrence checks Discord's documented limits on recurrence rules and returns the
// rule in its stored (answer) form, or nil when it is invalid.
func validateRecurrence(v *validator, r RecurrenceRule) json.RawMessage {
	const f = "recurrence_rule."
	bad := func(field, msg string) { v.add(f+field, "GUILD_SCHEDULED_EVENT_RECURRENCE_RULE_INVALID", msg) }
	before := len(v.fields)
	if r.Start.IsZero() {
		v.required(f + "start")
	}
	if r.Frequency == nil {
		v.required(f + "frequency")
		return nil
	}
	freq := *r.Frequency
	if freq < freqYearly || freq > freqDaily {
		v.add(f+"frequency", "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2, 3}.")
	}
	if r.End != nil && !r.End.IsZero() {
		bad("end", "This field cannot be set.")
	}
	if r.Count != nil {
		bad("count", "This field cannot be set.")
	}
	if r.ByYearDay != nil {
		bad("by_year_day", "This field cannot be set.")
	}
	interval := 1
	if r.Interval != nil {
		interval = *r.Interval
	}
	if interval != 1 && !(freq == freqWeekly && interval == 2) {
		bad("interval", "Interval can only be 2 for weekly events, 1 otherwise.")
	}
	groups := 0
	for _, set := range []bool{len(r.ByWeekday) > 0, len(r.ByNWeekday) > 0, len(r.ByMonth) > 0 || len(r.ByMonthDay) > 0} {
		if set {
			groups++
		}
	}
	if groups > 1 {
		bad("by_weekday", "by_weekday, by_n_weekday and by_month with by_month_day are mutually exclusive.")
	}
	for _, d := range r.ByWeekday {
		if d < 0 || d > 6 {
			bad("by_weekday", "Weekdays are 0 (Monday) to 6 (Sunday).")
		}
	}
	if len(r.ByWeekday) > 0 {
		switch freq {
		case freqDaily:
			if !slices.ContainsFunc(dailyWeekdaySets, func(s []int) bool { return sameSet(s, r.ByWeekday) }) {
				bad("by_weekday", "This set of weekdays is not allowed for daily events.")
			}
		case freqWeekly:
			if len(r.ByWeekday) != 1 {
				bad("by_weekday", "Weekly events recur on one weekday.")
			}
		default:
			bad("by_weekday", "by_weekday is only valid for daily and weekly events.")
		}
	}
	if len(r.ByNWeekday) > 0 {
		if freq != freqMonthly {
			bad("by_n_weekday", "by_n_weekday is only valid for monthly events.")
		}
		if len(r.ByNWeekday) != 1 {
			bad("by_n_weekday", "Monthly events recur on one day.")
		}
		for _, n := range r.ByNWeekday {
			if n.N < 1 || n.N > 5 || n.Day < 0 || n.Day > 6 {
				bad("by_n_weekday", "n is 1 to 5 and day 0 to 6.")
			}
		}
	}
	if len(r.ByMonth) > 0 || len(r.ByMonthDay) > 0 {
		if freq != freqYearly {
			bad("by_month", "by_month and by_month_day are only valid for yearly events.")
		}
		if len(r.ByMonth) != 1 || len(r.ByMonthDay) != 1 {
			bad("by_month", "Yearly events need exactly one by_month and one by_month_day.")
		} else if r.ByMonth[0] < 1 || r.ByMonth[0] > 12 || r.ByMonthDay[0] < 1 || r.ByMonthDay[0] > 31 {
			bad("by_month_day", "Months are 1 to 12 and days 1 to 31.")
		}
	}
	if len(v.fields) != before {
		return nil
	}
	out := recurrenceOut{Start: r.Start, Frequency: freq, Interval: interval,
		ByWeekday: nilIfEmpty(r.ByWeekday), ByNWeekday: nilIfEmpty(r.ByNWeekday),
		ByMonth: nilIfEmpty(r.ByMonth), ByMonthDay: nilIfEmpty(r.ByMonthDay)}
	b, err := json.Marshal(out)
	if err != nil {
		bad("start", "Invalid recurrence rule.")
		return nil
	}
	return b
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// sameSet reports whether a and b hold the same values, in any order.
func sameSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
