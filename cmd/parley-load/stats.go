package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of sorted samples: the
// smallest sample with at least p % of the samples at or below it. Exact, like an
// HdrHistogram with infinite precision; fine for the ≤ a few million samples a run takes.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// dist summarises samples (in milliseconds for latencies).
type dist struct {
	N    int     `json:"n"`
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func summarize(samples []float64) dist {
	if len(samples) == 0 {
		return dist{}
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	return dist{N: len(s), Min: s[0], Mean: sum / float64(len(s)), P50: percentile(s, 50), P90: percentile(s, 90),
		P99: percentile(s, 99), P999: percentile(s, 99.9), Max: s[len(s)-1]}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// metric is one row of a scenario's summary.
type metric struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	Target string  `json:"target,omitempty"`
	Met    *bool   `json:"met,omitempty"`
}

type report struct {
	Scenario string         `json:"scenario"`
	Params   map[string]any `json:"params"`
	Metrics  []metric       `json:"metrics"`
	Dists    map[string]any `json:"distributions,omitempty"`
	Notes    []string       `json:"notes,omitempty"`
	Elapsed  float64        `json:"elapsed_s"`
	Complete bool           `json:"complete"`
	asJSON   bool
}

func newReport(name string, params map[string]any, asJSON bool) *report {
	return &report{Scenario: name, Params: params, Dists: map[string]any{}, asJSON: asJSON}
}

func (r *report) add(name string, v float64, unit string) {
	r.Metrics = append(r.Metrics, metric{Name: name, Value: v, Unit: unit})
}

// target adds a row with a target; le says the target is an upper bound (else a lower one).
func (r *report) target(name string, v float64, unit string, limit float64, le bool) {
	met := v >= limit
	sym := "≥"
	if le {
		met, sym = v <= limit, "≤"
	}
	if math.IsNaN(v) {
		met = false
	}
	r.Metrics = append(r.Metrics, metric{Name: name, Value: v, Unit: unit, Target: fmt.Sprintf("%s %s", sym, trimNum(limit)), Met: &met})
}

func (r *report) note(format string, a ...any) { r.Notes = append(r.Notes, fmt.Sprintf(format, a...)) }

func trimNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.1f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func (r *report) print(w io.Writer) {
	if r.asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "\n== %s ", r.Scenario)
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, " %s=%v", k, r.Params[k])
	}
	fmt.Fprintf(w, "  (%.1f s, complete=%v)\n", r.Elapsed, r.Complete)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tvalue\ttarget\tverdict")
	for _, m := range r.Metrics {
		verdict := ""
		if m.Met != nil {
			verdict = map[bool]string{true: "met", false: "NOT MET"}[*m.Met]
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\n", m.Name, trimNum(m.Value), m.Unit, m.Target, verdict)
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", strings.TrimSpace(n))
	}
}
