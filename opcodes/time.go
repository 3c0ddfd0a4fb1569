package opcodes

import (
	"fmt"
	"time"
)

// TimestampLayout is how Discord writes timestamps: microseconds and an explicit +00:00 offset.
const TimestampLayout = "2006-01-02T15:04:05.000000-07:00"

// Timestamp is an ISO-8601 time in Discord's layout. Use *Timestamp for nullable fields.
type Timestamp struct{ time.Time }

// NewTimestamp wraps t in UTC.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t.UTC()} }

// TimestampPtr returns a pointer to t's Timestamp, or nil for the zero time.
func TimestampPtr(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := NewTimestamp(t)
	return &ts
}

// MarshalJSON writes Discord's layout.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimestampLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimestampLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads any RFC 3339 time.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("timestamp %s: not a string", b)
	}
	v, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	t.Time = v.UTC()
	return nil
}
