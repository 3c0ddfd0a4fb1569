// Package metrics is Parley's instrumentation: counters, gauges and histograms, optionally
// labelled, exposed in the Prometheus text format (version 0.0.4) together with Go runtime
// statistics read through runtime/metrics.
//
// It is a leaf package (it imports no Parley package), so gateway, rest, guilds and cmd can
// all record into one Registry without bending the dependency direction. It is hand-written
// rather than built on prometheus/client_golang because the hot path wants less than that
// library gives: a caller resolves a labelled child once (With) and afterwards recording is
// one atomic add on a pointer it already holds — no label hashing, no map lookup, no
// allocation per event — and the exposition format is small and stable.
package metrics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ContentType is the exposition format's media type, as Prometheus expects it.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// ErrInvalid reports a bad metric or label name, or a duplicate registration. Registration
// happens at start-up, so the Registry methods panic with it: a typo is a programming error.
var ErrInvalid = errors.New("metrics: invalid registration")

var (
	nameRE  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// kind is a family's Prometheus TYPE.
type kind string

const (
	kindCounter   kind = "counter"
	kindGauge     kind = "gauge"
	kindHistogram kind = "histogram"
)

// family is one metric name with its HELP, TYPE and a way to write its samples.
type family struct {
	name, help string
	kind       kind
	write      func(w *bufio.Writer, name string)
}

// Registry holds metric families and writes them. It is safe for concurrent use; register
// at start-up, record from anywhere.
type Registry struct {
	mu       sync.Mutex
	families map[string]*family
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{families: make(map[string]*family)} }

func (r *Registry) add(f *family, labels []string) {
	if !nameRE.MatchString(f.name) {
		panic(fmt.Errorf("%w: metric name %q", ErrInvalid, f.name))
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if !labelRE.MatchString(l) || strings.HasPrefix(l, "__") || l == "le" || seen[l] {
			panic(fmt.Errorf("%w: label %q of %s", ErrInvalid, l, f.name))
		}
		seen[l] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[f.name]; dup {
		panic(fmt.Errorf("%w: %s registered twice", ErrInvalid, f.name))
	}
	r.families[f.name] = f
}

// WriteTo writes every family in the text exposition format, sorted by name.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	fams := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	slices.SortFunc(fams, func(a, b *family) int { return strings.Compare(a.name, b.name) })
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	for _, f := range fams {
		bw.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
		bw.WriteString("# TYPE " + f.name + " " + string(f.kind) + "\n")
		f.write(bw, f.name)
	}
	err := bw.Flush()
	return cw.n, err
}

// Handler serves the registry for Prometheus scrapes.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		_, _ = r.WriteTo(w)
	})
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ---- counters ----

// Counter is a monotonically increasing count. The zero value is not usable; get one from a
// Registry or a CounterVec.
type Counter struct{ v atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Value reports the current count, for tests and derived gauges.
func (c *Counter) Value() uint64 { return c.v.Load() }

// Counter registers an unlabelled counter. By convention its name ends in _total.
func (r *Registry) Counter(name, help string) *Counter {
	c := &Counter{}
	r.add(&family{name: name, help: help, kind: kindCounter, write: func(w *bufio.Writer, name string) {
		writeSample(w, name, "", float64(c.Value()))
	}}, nil)
	return c
}

// CounterFunc registers a counter whose value fn reports at scrape time, for counts another
// component already keeps (fn must be safe for concurrent use and monotonic).
func (r *Registry) CounterFunc(name, help string, fn func() float64) {
	r.add(&family{name: name, help: help, kind: kindCounter, write: func(w *bufio.Writer, name string) {
		writeSample(w, name, "", fn())
	}}, nil)
}

// CounterVec is a counter family split by labels.
type CounterVec struct{ vec[Counter] }

// CounterVec registers a labelled counter family.
func (r *Registry) CounterVec(name, help string, labels ...string) *CounterVec {
	v := &CounterVec{vec[Counter]{labels: labels, m: map[string]*child[Counter]{}}}
	r.add(&family{name: name, help: help, kind: kindCounter, write: func(w *bufio.Writer, name string) {
		v.each(func(lbl string, c *Counter) { writeSample(w, name, lbl, float64(c.Value())) })
	}}, labels)
	return v
}

// With returns the child for the label values (in the order the labels were declared),
// creating it on first use. Resolve children once, outside hot loops: With takes a lock.
func (v *CounterVec) With(values ...string) *Counter { return v.with(values) }

// ---- gauges ----

// Gauge is a value that goes up and down.
type Gauge struct{ v atomic.Int64 }

// Set replaces the value.
func (g *Gauge) Set(n int64) { g.v.Store(n) }

// Add adds n (which may be negative).
func (g *Gauge) Add(n int64) { g.v.Add(n) }

// Value reports the current value.
func (g *Gauge) Value() int64 { return g.v.Load() }

// Gauge registers an unlabelled gauge.
func (r *Registry) Gauge(name, help string) *Gauge {
	g := &Gauge{}
	r.add(&family{name: name, help: help, kind: kindGauge, write: func(w *bufio.Writer, name string) {
		writeSample(w, name, "", float64(g.Value()))
	}}, nil)
	return g
}

// GaugeFunc registers a gauge whose value fn reports at scrape time.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.add(&family{name: name, help: help, kind: kindGauge, write: func(w *bufio.Writer, name string) {
		writeSample(w, name, "", fn())
	}}, nil)
}

// GaugeVec is a gauge family split by labels.
type GaugeVec struct{ vec[Gauge] }

// GaugeVec registers a labelled gauge family.
func (r *Registry) GaugeVec(name, help string, labels ...string) *GaugeVec {
	v := &GaugeVec{vec[Gauge]{labels: labels, m: map[string]*child[Gauge]{}}}
	r.add(&family{name: name, help: help, kind: kindGauge, write: func(w *bufio.Writer, name string) {
		v.each(func(lbl string, g *Gauge) { writeSample(w, name, lbl, float64(g.Value())) })
	}}, labels)
	return v
}

// With returns the child for the label values, creating it on first use.
func (v *GaugeVec) With(values ...string) *Gauge { return v.with(values) }

// ---- histograms ----

// Histogram counts observations into cumulative buckets with fixed upper bounds.
type Histogram struct {
	bounds []float64       // ascending upper bounds, +Inf excluded
	counts []atomic.Uint64 // len(bounds)+1; the last is +Inf
	sum    atomic.Uint64   // float64 bits
}

func newHistogram(bounds []float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// Observe records v: a short scan of the bounds, one atomic add, and a compare-and-swap on
// the sum.
func (h *Histogram) Observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Count reports how many observations were made.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

func (h *Histogram) write(w *bufio.Writer, name, lbl string) {
	var cum uint64
	sep := ""
	if lbl != "" {
		sep = ","
	}
	for i := range h.counts {
		cum += h.counts[i].Load()
		le := "+Inf"
		if i < len(h.bounds) {
			le = formatFloat(h.bounds[i])
		}
		writeSample(w, name+"_bucket", lbl+sep+`le="`+le+`"`, float64(cum))
	}
	writeSample(w, name+"_sum", lbl, math.Float64frombits(h.sum.Load()))
	writeSample(w, name+"_count", lbl, float64(cum))
}

func checkBounds(name string, bounds []float64) []float64 {
	if len(bounds) == 0 || !slices.IsSorted(bounds) || slices.Contains(bounds, math.Inf(1)) {
		panic(fmt.Errorf("%w: buckets of %s must be ascending, finite and not empty", ErrInvalid, name))
	}
	return slices.Clone(bounds)
}

// Histogram registers an unlabelled histogram with the given bucket upper bounds.
func (r *Registry) Histogram(name, help string, bounds []float64) *Histogram {
	h := newHistogram(checkBounds(name, bounds))
	r.add(&family{name: name, help: help, kind: kindHistogram, write: func(w *bufio.Writer, name string) {
		h.write(w, name, "")
	}}, nil)
	return h
}

// HistogramVec is a histogram family split by labels; every child has the same buckets.
type HistogramVec struct{ vec[Histogram] }

// HistogramVec registers a labelled histogram family.
func (r *Registry) HistogramVec(name, help string, bounds []float64, labels ...string) *HistogramVec {
	bounds = checkBounds(name, bounds)
	v := &HistogramVec{vec[Histogram]{labels: labels, m: map[string]*child[Histogram]{},
		make: func() *Histogram { return newHistogram(bounds) }}}
	r.add(&family{name: name, help: help, kind: kindHistogram, write: func(w *bufio.Writer, name string) {
		v.each(func(lbl string, h *Histogram) { h.write(w, name, lbl) })
	}}, labels)
	return v
}

// With returns the child for the label values, creating it on first use.
func (v *HistogramVec) With(values ...string) *Histogram { return v.with(values) }

// DurationBuckets suit request and query latencies in seconds: 0.5 ms to 10 s.
var DurationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ---- labelled children ----

type child[T any] struct {
	labels string // rendered `a="x",b="y"`
	v      *T
}

type vec[T any] struct {
	labels []string
	make   func() *T // nil: new(T)
	mu     sync.RWMutex
	m      map[string]*child[T]
}

func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		panic(fmt.Errorf("%w: %d label values for %d labels %v", ErrInvalid, len(values), len(v.labels), v.labels))
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	c := v.m[key]
	v.mu.RUnlock()
	if c != nil {
		return c.v
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if c := v.m[key]; c != nil {
		return c.v
	}
	var b strings.Builder
	for i, l := range v.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l + `="` + escapeLabel(values[i]) + `"`)
	}
	var t *T
	if v.make != nil {
		t = v.make()
	} else {
		t = new(T)
	}
	v.m[key] = &child[T]{labels: b.String(), v: t}
	return t
}

// each visits the children sorted by their rendered labels, so scrapes are stable.
func (v *vec[T]) each(fn func(labels string, t *T)) {
	v.mu.RLock()
	cs := make([]*child[T], 0, len(v.m))
	for _, c := range v.m {
		cs = append(cs, c)
	}
	v.mu.RUnlock()
	slices.SortFunc(cs, func(a, b *child[T]) int { return strings.Compare(a.labels, b.labels) })
	for _, c := range cs {
		fn(c.labels, c.v)
	}
}

// ---- exposition ----

func writeSample(w *bufio.Writer, name, labels string, v float64) {
	w.WriteString(name)
	if labels != "" {
		w.WriteString("{" + labels + "}")
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// GaugeVecFunc registers a labelled gauge family whose samples collect reports at scrape
// time by calling emit once per child, for values another component computes on demand
// (sessions by state, say). collect must be safe for concurrent use.
func (r *Registry) GaugeVecFunc(name, help string, labels []string, collect func(emit func(v float64, values ...string))) {
	labels = slices.Clone(labels)
	r.add(&family{name: name, help: help, kind: kindGauge, write: func(w *bufio.Writer, name string) {
		collect(func(v float64, values ...string) {
			if len(values) != len(labels) {
				return
			}
			var b strings.Builder
			for i, l := range labels {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l + `="` + escapeLabel(values[i]) + `"`)
			}
			writeSample(w, name, b.String(), v)
		})
	}}, labels)
}
