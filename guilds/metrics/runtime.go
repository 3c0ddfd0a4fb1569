package metrics

import (
	"bufio"
	"math"
	"os"
	"runtime"
	rm "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runtimeGauges and runtimeCounters map runtime/metrics names to exposed names. Only metrics
// every supported Go release has are listed; an unknown one would read as KindBad and is
// skipped.
var runtimeGauges = []struct{ src, name, help string }{
	{"/sched/goroutines:goroutines", "go_goroutines", "Goroutines that currently exist."},
	{"/sched/gomaxprocs:threads", "go_gomaxprocs", "GOMAXPROCS: threads that may run Go code at once."},
	{"/memory/classes/heap/objects:bytes", "go_heap_objects_bytes", "Bytes of live and not-yet-swept heap objects."},
	{"/memory/classes/total:bytes", "go_memory_total_bytes", "All memory mapped by the Go runtime (what it holds from the OS)."},
	{"/gc/heap/goal:bytes", "go_gc_goal_bytes", "Heap size the garbage collector aims for at the end of this cycle."},
}

var runtimeCounters = []struct{ src, name, help string }{
	{"/gc/cycles/total:gc-cycles", "go_gc_cycles_total", "Completed garbage collection cycles."},
	{"/gc/heap/allocs:bytes", "go_heap_allocs_bytes_total", "Bytes allocated on the heap since start."},
	{"/gc/heap/allocs:objects", "go_heap_allocs_objects_total", "Heap objects allocated since start."},
	{"/cpu/classes/gc/total:cpu-seconds", "go_gc_cpu_seconds_total", "CPU time spent on garbage collection since start."},
}

// gcPauseBounds re-bucket the runtime's fine-grained pause histogram into a few bounds.
var gcPauseBounds = []float64{0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1}

// RegisterRuntime adds Go runtime statistics (read through runtime/metrics at each scrape)
// and process_start_time_seconds / process_resident_memory_bytes.
func RegisterRuntime(r *Registry) {
	rt := &runtimeReader{}
	for _, g := range runtimeGauges {
		rt.samples = append(rt.samples, rm.Sample{Name: g.src})
	}
	for _, c := range runtimeCounters {
		rt.samples = append(rt.samples, rm.Sample{Name: c.src})
	}
	rt.samples = append(rt.samples, rm.Sample{Name: "/sched/pauses/total/gc:seconds"})
	for i, g := range runtimeGauges {
		r.GaugeFunc(g.name, g.help, func() float64 { return rt.value(i) })
	}
	for i, c := range runtimeCounters {
		r.CounterFunc(c.name, c.help, func() float64 { return rt.value(len(runtimeGauges) + i) })
	}
	r.add(&family{name: "go_gc_pauses_seconds", help: "Stop-the-world pauses caused by the garbage collector.", kind: kindHistogram,
		write: func(w *bufio.Writer, name string) { rt.writePauses(w, name) }}, nil)

	start := float64(time.Now().UnixNano()) / 1e9
	r.GaugeFunc("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", func() float64 { return start })
	if runtime.GOOS == "linux" {
		r.GaugeFunc("process_resident_memory_bytes", "Resident set size of the process, from /proc/self/statm.", residentBytes)
		r.CounterFunc("process_cpu_seconds_total", "User and system CPU time the process used, from /proc/self/stat.", cpuSeconds)
	}
}

// runtimeReader reads all samples at most once per scrape burst (every sample of one scrape
// comes from one read).
type runtimeReader struct {
	mu      sync.Mutex
	samples []rm.Sample
	read    time.Time
}

func (rt *runtimeReader) refresh() {
	if time.Since(rt.read) > 100*time.Millisecond {
		rm.Read(rt.samples)
		rt.read = time.Now()
	}
}

func (rt *runtimeReader) value(i int) float64 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.refresh()
	v := rt.samples[i].Value
	switch v.Kind() {
	case rm.KindUint64:
		return float64(v.Uint64())
	case rm.KindFloat64:
		return v.Float64()
	}
	return math.NaN()
}

func (rt *runtimeReader) writePauses(w *bufio.Writer, name string) {
	rt.mu.Lock()
	rt.refresh()
	v := rt.samples[len(rt.samples)-1].Value
	rt.mu.Unlock()
	if v.Kind() != rm.KindFloat64Histogram {
		return
	}
	h := v.Float64Histogram()
	// Counts[i] covers [Buckets[i], Buckets[i+1]); a runtime bucket is attributed to the first
	// bound at or above its upper edge, so the re-bucketed counts never under-report a pause.
	counts := make([]uint64, len(gcPauseBounds)+1)
	var total uint64
	var sum float64
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		hi := h.Buckets[i+1]
		j := 0
		for j < len(gcPauseBounds) && hi > gcPauseBounds[j] {
			j++
		}
		counts[j] += n
		total += n
		mid := h.Buckets[i]
		if !math.IsInf(hi, 1) && !math.IsInf(mid, -1) {
			mid = (h.Buckets[i] + hi) / 2
		} else if math.IsInf(mid, -1) {
			mid = 0
		}
		sum += mid * float64(n)
	}
	var cum uint64
	for j, n := range counts {
		cum += n
		le := "+Inf"
		if j < len(gcPauseBounds) {
			le = formatFloat(gcPauseBounds[j])
		}
		writeSample(w, name+"_bucket", `le="`+le+`"`, float64(cum))
	}
	writeSample(w, name+"_sum", "", sum) // estimated from bucket midpoints
	writeSample(w, name+"_count", "", float64(total))
}

func residentBytes() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return math.NaN()
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return math.NaN()
	}
	pages, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return math.NaN()
	}
	return pages * float64(os.Getpagesize())
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc on every architecture Go runs on.
const clockTicks = 100

func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return math.NaN()
	}
	// The command name (field 2) may contain spaces; fields after its closing paren are fixed.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return math.NaN()
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return math.NaN()
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return math.NaN()
	}
	return (utime + stime) / clockTicks
}
