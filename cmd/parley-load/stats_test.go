package main

import (
	"math"
	"testing"
)

func TestPercentile(t *testing.T) {
	s := make([]float64, 100)
	for i := range s {
		s[i] = float64(i + 1) // 1..100
	}
	for _, c := range []struct{ p, want float64 }{{0, 1}, {1, 1}, {50, 50}, {99, 99}, {99.9, 100}, {100, 100}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]float64{7}, 99); got != 7 {
		t.Errorf("one sample: got %v", got)
	}
	if !math.IsNaN(percentile(nil, 50)) {
		t.Error("empty: want NaN")
	}
	d := summarize([]float64{5, 1, 3, 2, 4})
	if d.N != 5 || d.Min != 1 || d.Max != 5 || d.P50 != 3 || d.Mean != 3 {
		t.Errorf("summarize: %+v", d)
	}
}
