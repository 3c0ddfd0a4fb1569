package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/guilds/metrics"
	"github.com/parley-chat/parley/storage"
)

// pinger is what readiness checks: the store, and Redis when configured.
type pinger interface {
	Ping(ctx context.Context) error
}

// ops is the operator listener's state: the registry it serves and what readiness checks.
type ops struct {
	reg      *metrics.Registry
	pprof    bool
	checks   []namedCheck
	draining atomic.Bool
	log      *slog.Logger
}

type namedCheck struct {
	name string
	p    pinger
}

// readyTimeout bounds each readiness check: a probe must answer before the prober gives up.
const readyTimeout = 2 * time.Second

func (o *ops) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.reg.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeOpsJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", o.ready)
	if o.pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// readiness is /readyz's body: overall status, and each check's "ok" or error.
type readiness struct {
	Status   string            `json:"status"` // "ready" or "not ready"
	Draining bool              `json:"draining"`
	Checks   map[string]string `json:"checks"`
}

// ready answers 200 when every check passes and the node is not draining, 503 otherwise,
// the JSON body saying which part failed. Checks run in parallel, each bounded.
func (o *ops) ready(w http.ResponseWriter, r *http.Request) {
	res := readiness{Status: "ready", Draining: o.draining.Load(), Checks: map[string]string{}}
	errs := make([]error, len(o.checks))
	done := make(chan int, len(o.checks))
	for i, c := range o.checks {
		go func() {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			errs[i] = c.p.Ping(ctx)
			done <- i
		}()
	}
	for range o.checks {
		<-done
	}
	status := http.StatusOK
	for i, c := range o.checks {
		if errs[i] != nil {
			res.Checks[c.name] = errs[i].Error()
			status = http.StatusServiceUnavailable
			o.log.Warn("readiness check failed", "check", c.name, "err", errs[i])
		} else {
			res.Checks[c.name] = "ok"
		}
	}
	if res.Draining {
		status = http.StatusServiceUnavailable
	}
	if status != http.StatusOK {
		res.Status = "not ready"
	}
	writeOpsJSON(w, status, res)
}

func writeOpsJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// serveOps runs the ops listener until ctx is done.
func serveOps(ln net.Listener, h http.Handler) (shutdown func(context.Context) error, errc <-chan error) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ch := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			ch <- fmt.Errorf("ops: serve: %w", err)
			return
		}
		ch <- nil
	}()
	return srv.Shutdown, ch
}

// callObserver turns store or Redis call outcomes into a latency histogram and an error
// counter per operation. Children are resolved up front, so an observation is a switch, a
// histogram observation and (on error) one atomic add.
type callObserver struct {
	ops map[string]callMetrics
	dur *metrics.HistogramVec
	err *metrics.CounterVec
}

type callMetrics struct {
	dur *metrics.Histogram
	err *metrics.Counter
}

func newCallObserver(dur *metrics.HistogramVec, errs *metrics.CounterVec, known ...string) *callObserver {
	o := &callObserver{ops: map[string]callMetrics{}, dur: dur, err: errs}
	for _, op := range known {
		o.ops[op] = callMetrics{dur.With(op), errs.With(op)}
	}
	return o
}

// observe records one call. Operations not known up front (Redis command names) are
// resolved through the vectors, which cache them.
func (o *callObserver) observe(op string, elapsed time.Duration, err error) {
	m, ok := o.ops[op]
	if !ok {
		m = callMetrics{o.dur.With(op), o.err.With(op)}
	}
	m.dur.Observe(elapsed.Seconds())
	if err != nil {
		m.err.Inc()
	}
}

// storeObserver registers parley_store_* and returns the storage.Observer feeding them.
func storeObserver(reg *metrics.Registry) storage.Observer {
	o := newCallObserver(
		reg.HistogramVec("parley_store_duration_seconds", "Store (SQLite or Postgres) call latency by operation: exec, query, query_row, tx (a whole transaction).", metrics.DurationBuckets, "op"),
		reg.CounterVec("parley_store_errors_total", "Store calls that failed (not-found and conflict answers excluded), by operation.", "op"),
		"exec", "query", "query_row", "tx")
	return o.observe
}
