// Package snowflake holds Parley's 64-bit IDs in Discord's layout: 42 bits of milliseconds since
// the Discord epoch (2015-01-01T00:00:00Z), 5 bits of worker, 5 bits of process and a 12-bit
// increment. IDs travel as decimal JSON strings, because JavaScript clients lose precision on
// 64-bit numbers.
package snowflake

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	bw "github.com/bwmarrin/snowflake"
)

// Epoch is Discord's epoch in Unix milliseconds.
const Epoch int64 = 1420070400000

const (
	incrementBits = 12
	processBits   = 5
	workerBits    = 5
	// MaxWorker is the largest worker ID a node may use.
	MaxWorker = 1<<workerBits - 1
	// MaxProcess is the largest process ID a node may use.
	MaxProcess = 1<<processBits - 1
)

// ErrInvalid reports text that is not a decimal snowflake.
var ErrInvalid = errors.New("snowflake: invalid id")

// ID is a Discord-layout snowflake. The zero value means "no ID".
type ID uint64

// Parse reads a decimal snowflake. Zero and values with a sign are rejected.
func Parse(s string) (ID, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%w: %q", ErrInvalid, s)
	}
	return ID(v), nil
}

// String returns the decimal form.
func (id ID) String() string { return strconv.FormatUint(uint64(id), 10) }

// IsZero reports whether id is unset.
func (id ID) IsZero() bool { return id == 0 }

// Time returns the creation time encoded in id.
func (id ID) Time() time.Time {
	return time.UnixMilli(int64(id>>22) + Epoch).UTC()
}

// Worker returns the 5-bit worker ID.
func (id ID) Worker() int { return int(id>>17) & MaxWorker }

// Process returns the 5-bit process ID.
func (id ID) Process() int { return int(id>>12) & MaxProcess }

// Increment returns the 12-bit per-millisecond increment.
func (id ID) Increment() int { return int(id) & (1<<incrementBits - 1) }

// FromTime returns the smallest ID that could have been made at t, for time-bounded queries such
// as "messages newer than 14 days".
func FromTime(t time.Time) ID {
	ms := t.UnixMilli() - Epoch
	if ms < 0 {
		return 0
	}
	return ID(uint64(ms) << 22)
}

// MarshalJSON writes the ID as a JSON string; zero becomes null so absent IDs never
// appear as "0" or "".
func (id ID) MarshalJSON() ([]byte, error) {
	if id == 0 {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(id), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a decimal string, a bare number (some clients send numbers) or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*id = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrInvalid, b)
	}
	*id = ID(v)
	return nil
}

// MarshalText lets IDs be map keys in JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrInvalid, b)
	}
	*id = ID(v)
	return nil
}

// Generator makes unique, increasing IDs for one node. It is safe for concurrent use.
type Generator struct {
	mu   sync.Mutex
	node *bw.Node
}

// bwMu guards bwmarrin/snowflake's package-level layout settings, which NewNode reads.
var bwMu sync.Mutex

// NewGenerator returns a generator for a node. worker and process must be distinct per node
// (0–31 each) so several nodes never mint the same ID.
func NewGenerator(worker, process int) (*Generator, error) {
	if worker < 0 || worker > MaxWorker || process < 0 || process > MaxProcess {
		return nil, fmt.Errorf("snowflake: worker %d / process %d out of range 0-31", worker, process)
	}
	bwMu.Lock()
	defer bwMu.Unlock()
	// bwmarrin/snowflake keeps its layout in package variables; Discord's layout is 10 node bits
	// (worker<<5 | process) and 12 step bits on the Discord epoch.
	bw.Epoch = Epoch
	bw.NodeBits = workerBits + processBits
	bw.StepBits = incrementBits
	n, err := bw.NewNode(int64(worker<<processBits | process))
	if err != nil {
		return nil, fmt.Errorf("new snowflake node: %w", err)
	}
	return &Generator{node: n}, nil
}

// Next returns a new ID. When the 4096 increments of one millisecond are used up, it waits for
// the next millisecond rather than wrapping into a duplicate.
func (g *Generator) Next() ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return ID(g.node.Generate().Int64())
}
