package guilds

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/storage"
)

// ErrUnavailable is storage.ErrUnavailable, re-exported so that REST and the gateway, which
// do not import storage, can tell an outage (503, retry later) from a bug (500). Every
// Service method returns it wrapped when the store could not be reached or was full.
var ErrUnavailable = storage.ErrUnavailable

// Outages turns a stream of failed calls into outage events: one log line when the store
// becomes unavailable and one when it is back, however many requests fail in between, and
// a counter a metrics exporter can read. Recovery is detected by probing the store, not by
// waiting for a lucky request, so the "recovered" line and Down() are accurate even when no
// client is retrying. It is safe for concurrent use; the zero value is not usable, use
// NewOutages.
type Outages struct {
	probe    func(context.Context) error
	interval time.Duration
	log      *slog.Logger

	count    atomic.Int64 // outages started
	failures atomic.Int64 // calls answered unavailable
	down     atomic.Bool

	mu     sync.Mutex // guards since, closed and the prober's lifetime
	since  time.Time
	closed bool
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup
}

// NewOutages returns a tracker that, once an outage starts, calls probe every interval
// (default 1 s) until it succeeds. probe should be a cheap read that touches the store.
func NewOutages(probe func(context.Context) error, interval time.Duration, log *slog.Logger) *Outages {
	if interval <= 0 {
		interval = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outages{probe: probe, interval: interval, log: log, done: make(chan struct{})}
}

// Observe records the outcome of a call. An error wrapping ErrUnavailable starts an outage
// (if none is under way) and reports true; any other error, or nil, changes nothing and
// reports false. A nil *Outages only classifies.
func (o *Outages) Observe(err error) bool {
	if err == nil || !errors.Is(err, ErrUnavailable) {
		return false
	}
	if o == nil {
		return true
	}
	o.failures.Add(1)
	if o.down.Load() {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed || o.down.Load() {
		return true
	}
	o.down.Store(true)
	o.count.Add(1)
	o.since = time.Now()
	o.log.Error("store unavailable: answering 503 until it recovers", "err", err)
	o.wg.Add(1)
	go o.watch()
	return true
}

// watch probes until the store answers, then ends the outage.
func (o *Outages) watch() {
	defer o.wg.Done()
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		select {
		case <-o.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), o.interval)
		err := o.probe(ctx)
		cancel()
		if err != nil {
			continue
		}
		o.mu.Lock()
		// The line first: whoever sees Down() turn false can rely on it being logged.
		o.log.Info("store recovered", "outage", time.Since(o.since).Round(time.Millisecond), "failed_calls", o.failures.Load())
		o.down.Store(false)
		o.mu.Unlock()
		return
	}
}

// Down reports whether an outage is under way (for health checks).
func (o *Outages) Down() bool { return o != nil && o.down.Load() }

// Count reports how many outages have started since the process began (a metric counter).
func (o *Outages) Count() int64 {
	if o == nil {
		return 0
	}
	return o.count.Load()
}

// Failures reports how many calls were answered unavailable in all (a metric counter).
func (o *Outages) Failures() int64 {
	if o == nil {
		return 0
	}
	return o.failures.Load()
}

// Close stops the prober, if one is running, and waits for it.
func (o *Outages) Close() {
	o.mu.Lock()
	if !o.closed {
		o.closed = true
		close(o.done)
	}
	o.mu.Unlock()
	o.wg.Wait()
}

// WriteProbe returns an Outages probe for st. It writes (a fresh settings key, so the insert
// really allocates a row): a full disk still answers reads, and only a write shows there is
// room again. It adds one row per outage, on the probe that succeeds.
func WriteProbe(st storage.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		key := "outage_probe:" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if _, err := st.Settings().PutIfAbsent(ctx, key, []byte("1")); errors.Is(err, storage.ErrUnavailable) {
			return err
		}
		return nil
	}
}
