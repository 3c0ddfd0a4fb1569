package snowflake

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestGeneratorUniqueIncreasing(t *testing.T) {
	g, err := NewGenerator(3, 7)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1_000_000
	var prev ID
	sawWrap := false
	for i := 0; i < n; i++ {
		id := g.Next()
		if id <= prev {
			t.Fatalf("id %d: %d not greater than previous %d", i, id, prev)
		}
		if id.Worker() != 3 || id.Process() != 7 {
			t.Fatalf("worker/process = %d/%d, want 3/7", id.Worker(), id.Process())
		}
		// Within one millisecond the increment counts up; when the millisecond changes (or its
		// 4096 increments are used up) the next ID must move to a later millisecond with a
		// smaller increment.
		if prev != 0 && id.Increment() < prev.Increment() {
			if id>>22 <= prev>>22 {
				t.Fatalf("increment wrapped without the time advancing: %d after %d", id, prev)
			}
			sawWrap = true
		}
		prev = id
	}
	// The increment restarts at every new millisecond, so a million IDs always cross several
	// boundaries with more than one ID in a millisecond, however slow the machine (only one
	// ID per millisecond would take 1,000 s); never seeing one means the layout is wrong.
	if !sawWrap {
		t.Fatal("the increment never restarted: IDs do not carry a per-millisecond increment")
	}
}

func TestIncrementExhaustionWaits(t *testing.T) {
	g, err := NewGenerator(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[ID]bool, 10000)
	for i := 0; i < 10000; i++ {
		id := g.Next()
		if seen[id] {
			t.Fatalf("duplicate id %d", id)
		}
		seen[id] = true
		if id.Increment() > 4095 {
			t.Fatalf("increment %d overflows 12 bits", id.Increment())
		}
	}
}

func TestTimeOnDiscordEpoch(t *testing.T) {
	// Discord's documented example: 175928847299117063 was made at 2016-04-30 11:18:25.796 UTC,
	// worker 1, process 0, increment 7.
	id := ID(175928847299117063)
	want := time.Date(2016, 4, 30, 11, 18, 25, 796e6, time.UTC)
	if !id.Time().Equal(want) {
		t.Fatalf("Time() = %v, want %v", id.Time(), want)
	}
	if id.Worker() != 1 || id.Process() != 0 || id.Increment() != 7 {
		t.Fatalf("worker/process/increment = %d/%d/%d, want 1/0/7", id.Worker(), id.Process(), id.Increment())
	}
	g, _ := NewGenerator(1, 1)
	if d := time.Since(g.Next().Time()); d < 0 || d > time.Second {
		t.Fatalf("new id time off by %v", d)
	}
	if FromTime(want)>>22 != id>>22 {
		t.Fatalf("FromTime mismatch")
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		wantErr bool
	}{
		{`"175928847299117063"`, 175928847299117063, false},
		{`175928847299117063`, 175928847299117063, false},
		{`null`, 0, false},
		{`"abc"`, 0, true},
		{`""`, 0, true},
		{`"-1"`, 0, true},
		{`true`, 0, true},
	}
	for _, tt := range tests {
		var id ID
		err := json.Unmarshal([]byte(tt.in), &id)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if id != tt.want {
			t.Errorf("Unmarshal(%s) = %d, want %d", tt.in, id, tt.want)
		}
	}
	b, _ := json.Marshal(struct {
		A ID `json:"a"`
		B ID `json:"b"`
	}{A: 42})
	if string(b) != `{"a":"42","b":null}` {
		t.Fatalf("Marshal = %s", b)
	}
}

func TestParse(t *testing.T) {
	if _, err := Parse("0"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Parse(0) err = %v", err)
	}
	if _, err := Parse("12x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Parse(12x) err = %v", err)
	}
	if id, err := Parse("123"); err != nil || id != 123 {
		t.Fatalf("Parse(123) = %d, %v", id, err)
	}
	if _, err := NewGenerator(32, 0); err == nil {
		t.Fatal("worker 32 accepted")
	}
}

func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"1"`, `1`, `null`, `"18446744073709551615"`, `"18446744073709551616"`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var id ID
		if err := id.UnmarshalJSON(b); err != nil {
			return
		}
		out, err := id.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back ID
		if err := back.UnmarshalJSON(out); err != nil || back != id {
			t.Fatalf("round trip %s -> %s -> %d (%v)", b, out, back, err)
		}
	})
}
