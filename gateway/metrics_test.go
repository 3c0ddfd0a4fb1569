package gateway

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/metrics"
)

// sample reads one sample (name with its rendered labels, e.g. `x_total{a="b"}`) from a
// scrape; -1 when absent.
func sample(t *testing.T, reg *metrics.Registry, series string) float64 {
	t.Helper()
	var b strings.Builder
	if _, err := reg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// waitSample polls until series reaches want (metrics of writers and closes land
// asynchronously).
func waitSample(t *testing.T, reg *metrics.Registry, series string, want float64) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for sample(t, reg, series) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", series, sample(t, reg, series), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMetrics follows one zlib-stream session through connect, Identify, a dispatch, an
// abrupt drop, a resume, a failed resume and the node draining, checking each family.
func TestMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	ts := newTestServer(t, Config{Metrics: reg}, nil)
	const zlib = `encoding="json",compression="zlib-stream"`

	a := dial(t, ts.url, dialOpt{compress: "zlib"})
	a.hello()
	waitSample(t, reg, `parley_gateway_sessions{state="connected",`+zlib+`}`, 1)
	if got := sample(t, reg, `parley_gateway_connections_total{`+zlib+`}`); got != 1 {
		t.Fatalf("connections_total = %v", got)
	}
	ready := a.identify("tokA", iBasic|iMessageContent, "")
	waitSample(t, reg, `parley_gateway_sessions{state="identified",`+zlib+`}`, 1)
	waitSample(t, reg, `parley_gateway_sessions{state="connected",`+zlib+`}`, 0)
	if got := sample(t, reg, `parley_gateway_identifies_total`); got != 1 {
		t.Fatalf("identifies_total = %v", got)
	}
	publishMessage(t, ts.srv, guild0, chanG0, human, strings.Repeat("compressible ", 50))
	mc := a.expectDispatch("MESSAGE_CREATE")
	waitSample(t, reg, `parley_gateway_dispatches_total{event="MESSAGE_CREATE"}`, 1)
	if b := sample(t, reg, `parley_gateway_dispatch_bytes_total{event="MESSAGE_CREATE"}`); b <= 0 {
		t.Fatalf("dispatch_bytes_total = %v", b)
	}
	in := sample(t, reg, `parley_gateway_compressor_in_bytes_total{compression="zlib-stream"}`)
	out := sample(t, reg, `parley_gateway_compressor_out_bytes_total{compression="zlib-stream"}`)
	if in <= 0 || out <= 0 || in/out < 1.5 {
		t.Fatalf("zlib-stream in %v out %v: want a ratio above 1.5 for repetitive text", in, out)
	}

	a.ws.Close() // abrupt: resumable
	waitSample(t, reg, `parley_gateway_sessions{state="resumable",`+zlib+`}`, 1)
	waitSample(t, reg, `parley_gateway_sessions{state="identified",`+zlib+`}`, 0)

	b := dial(t, ts.url, dialOpt{})
	b.hello()
	b.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":%d}}`, sessionID(t, ready), mc.seq()-1)
	b.expectDispatch("MESSAGE_CREATE") // the replay
	b.expectDispatch("RESUMED")
	if got := sample(t, reg, `parley_gateway_resumes_total{result="resumed"}`); got != 1 {
		t.Fatalf("resumes resumed = %v", got)
	}
	waitSample(t, reg, `parley_gateway_sessions{state="resumable",`+zlib+`}`, 0)
	waitSample(t, reg, `parley_gateway_sessions{state="identified",encoding="json",compression="none"}`, 1)
	// Replayed dispatches are written again, so they count again.
	waitSample(t, reg, `parley_gateway_dispatches_total{event="MESSAGE_CREATE"}`, 2)

	c := dial(t, ts.url, dialOpt{})
	c.hello()
	c.send(`{"op":6,"d":{"token":"tokA","session_id":"unknown","seq":1}}`)
	c.expectOp(9)
	if got := sample(t, reg, `parley_gateway_resumes_total{result="invalid"}`); got != 1 {
		t.Fatalf("resumes invalid = %v", got)
	}
	waitSample(t, reg, `parley_gateway_invalid_sessions_total{resumable="false"}`, 1)

	closesBefore := sample(t, reg, `parley_gateway_closes_total{code="4000"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sample(t, reg, `parley_gateway_reconnects_total`); got != 2 {
		t.Fatalf("reconnects_total = %v, want 2 (both open sockets got op 7)", got)
	}
	if got := sample(t, reg, `parley_gateway_closes_total{code="4000"}`); got != closesBefore+2 {
		t.Fatalf("closes 4000 = %v, want %v", got, closesBefore+2)
	}
}

// TestMetricsSlowConsumer: a client that stops reading is cut off and counted; the queue
// gauges see its backlog first.
func TestMetricsSlowConsumer(t *testing.T) {
	reg := metrics.NewRegistry()
	ts := newTestServer(t, Config{Metrics: reg, WriteQueueSize: 4, ReplayBufferSize: 4096}, nil)
	c := dial(t, ts.url, dialOpt{})
	c.hello()
	c.identify("tokA", iBasic|iMessageContent, "")
	sess := ts.srv.hub.userSessions(botA)[0]
	big := strings.Repeat("y", 64<<10)
	maxSeen := 0.0
	for i := 0; i < 2000; i++ {
		publishMessage(t, ts.srv, guild0, chanG0, human, big)
		maxSeen = max(maxSeen, sample(t, reg, "parley_gateway_write_queue_max"))
		sess.mu.Lock()
		detached := sess.conn == nil
		sess.mu.Unlock()
		if detached {
			break
		}
	}
	if got := sample(t, reg, "parley_gateway_slow_consumers_total"); got != 1 {
		t.Fatalf("slow_consumers_total = %v", got)
	}
	if maxSeen < 1 {
		t.Fatalf("write_queue_max never saw the backlog (max %v)", maxSeen)
	}
}

// BenchmarkRecordDelivery is the instrumentation's cost per delivered frame (dispatch count,
// bytes, compressor in/out), from all cores at once on the same counters — the worst case
// of a fan-out to one guild. Compare with BenchmarkFanout1000's ns/delivery.
func BenchmarkRecordDelivery(b *testing.B) {
	m := newGatewayMetrics(metrics.NewRegistry(), &Server{conns: map[*conn]struct{}{}, store: NewMemorySessionStore()})
	p, _ := newPayload("MESSAGE_CREATE", map[string]string{"content": "x"})
	f := frame{op: 0, seq: 1, p: p}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.wrote(f, 300, 900, int(transportZlibStream))
		}
	})
}
