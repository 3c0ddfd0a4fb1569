package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestExposition(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("parley_things_total", "Things done.\nTwo lines, one \\ backslash.")
	c.Add(3)
	c.Inc()
	v := r.CounterVec("parley_events_total", "Events.", "event", "kind")
	v.With("MESSAGE_CREATE", "a").Add(2)
	v.With(`we"ird\`+"\n", "b").Inc()
	g := r.Gauge("parley_level", "A level.")
	g.Set(7)
	g.Add(-10)
	r.GaugeFunc("parley_ratio", "A ratio.", func() float64 { return 0.25 })
	h := r.HistogramVec("parley_latency_seconds", "Latency.", []float64{0.1, 1}, "route")
	h.With("/x").Observe(0.05)
	h.With("/x").Observe(0.5)
	h.With("/x").Observe(5)
	r.GaugeVecFunc("parley_sessions", "Sessions.", []string{"state"}, func(emit func(float64, ...string)) {
		emit(2, "ready")
		emit(1, "too", "many") // wrong arity: skipped
	})
	want := `# HELP parley_events_total Events.
# TYPE parley_events_total counter
parley_events_total{event="MESSAGE_CREATE",kind="a"} 2
parley_events_total{event="we\"ird\\\n",kind="b"} 1
# HELP parley_latency_seconds Latency.
# TYPE parley_latency_seconds histogram
parley_latency_seconds_bucket{route="/x",le="0.1"} 1
parley_latency_seconds_bucket{route="/x",le="1"} 2
parley_latency_seconds_bucket{route="/x",le="+Inf"} 3
parley_latency_seconds_sum{route="/x"} 5.55
parley_latency_seconds_count{route="/x"} 3
# HELP parley_level A level.
# TYPE parley_level gauge
parley_level -3
# HELP parley_ratio A ratio.
# TYPE parley_ratio gauge
parley_ratio 0.25
# HELP parley_sessions Sessions.
# TYPE parley_sessions gauge
parley_sessions{state="ready"} 2
# HELP parley_things_total Things done.\nTwo lines, one \\ backslash.
# TYPE parley_things_total counter
parley_things_total 4
`
	if got := scrape(t, r); got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
}

func TestHandler(t *testing.T) {
	r := NewRegistry()
	r.Counter("a_total", "A.").Inc()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type %q", ct)
	}
	b, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(b), "a_total 1\n") {
		t.Errorf("body %q", b)
	}
}

func TestInvalidRegistrations(t *testing.T) {
	for name, reg := range map[string]func(r *Registry){
		"bad name":         func(r *Registry) { r.Counter("1abc", "") },
		"bad label":        func(r *Registry) { r.CounterVec("a_total", "", "bad-label") },
		"reserved label":   func(r *Registry) { r.CounterVec("a_total", "", "__x") },
		"le label":         func(r *Registry) { r.HistogramVec("a", "", []float64{1}, "le") },
		"duplicate label":  func(r *Registry) { r.CounterVec("a_total", "", "x", "x") },
		"duplicate name":   func(r *Registry) { r.Counter("a_total", ""); r.Gauge("a_total", "") },
		"unsorted buckets": func(r *Registry) { r.Histogram("a", "", []float64{2, 1}) },
		"no buckets":       func(r *Registry) { r.Histogram("a", "", nil) },
		"arity":            func(r *Registry) { r.CounterVec("a_total", "", "x").With("1", "2") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("recovered %v, want ErrInvalid", err)
				}
			}()
			reg(NewRegistry())
		})
	}
}

func TestConcurrentRecording(t *testing.T) {
	r := NewRegistry()
	c := r.CounterVec("a_total", "", "k")
	h := r.Histogram("h", "", []float64{1})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.With("x").Inc()
				h.Observe(0.5)
				if j%100 == 0 {
					scrape(t, r)
				}
			}
		}()
	}
	wg.Wait()
	if got := c.With("x").Value(); got != 8000 {
		t.Errorf("counter %d, want 8000", got)
	}
	if got := h.Count(); got != 8000 {
		t.Errorf("histogram count %d", got)
	}
	if !strings.Contains(scrape(t, r), "h_sum 4000\n") {
		t.Errorf("histogram sum lost updates:\n%s", scrape(t, r))
	}
}

// TestRecordingDoesNotAllocate pins the hot-path promise of the package doc.
func TestRecordingDoesNotAllocate(t *testing.T) {
	r := NewRegistry()
	c := r.CounterVec("a_total", "", "k").With("x")
	g := r.Gauge("g", "")
	h := r.Histogram("h", "", DurationBuckets)
	if n := testing.AllocsPerRun(100, func() { c.Inc(); c.Add(10); g.Add(1); h.Observe(0.003) }); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}

func TestRuntime(t *testing.T) {
	r := NewRegistry()
	RegisterRuntime(r)
	out := scrape(t, r)
	for _, want := range []string{"go_goroutines ", "go_gc_cycles_total ", "go_memory_total_bytes ",
		`go_gc_pauses_seconds_bucket{le="+Inf"} `, "process_start_time_seconds ", "process_cpu_seconds_total ", "process_resident_memory_bytes "} {
		if !strings.Contains(out, "\n"+want) {
			t.Errorf("runtime metrics lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " NaN\n") {
		t.Errorf("a runtime metric reads NaN:\n%s", out)
	}
}

func BenchmarkCounterInc(b *testing.B) {
	c := NewRegistry().CounterVec("a_total", "", "k").With("x")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := NewRegistry().Histogram("h", "", DurationBuckets)
	for i := 0; i < b.N; i++ {
		h.Observe(0.003)
	}
}
