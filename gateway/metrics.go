package gateway

import (
	"strconv"
	"sync"

	"github.com/parley-chat/parley/guilds/metrics"
	"github.com/parley-chat/parley/opcodes"
)

// knownEvents are the dispatch names with their own series; anything else counts as OTHER.
// A payload resolves its name to an index here once, when it is built (once per event, not
// per recipient), so a delivery costs an array index and two atomic adds.
var knownEvents = []opcodes.EventName{
	opcodes.EventReady, opcodes.EventResumed, opcodes.EventRateLimited,
	opcodes.EventGuildCreate, opcodes.EventGuildUpdate, opcodes.EventGuildDelete,
	opcodes.EventGuildMemberAdd, opcodes.EventGuildMemberUpdate, opcodes.EventGuildMemberRemove,
	opcodes.EventGuildMembersChunk, opcodes.EventGuildRoleCreate, opcodes.EventGuildRoleUpdate,
	opcodes.EventGuildRoleDelete, opcodes.EventGuildBanAdd, opcodes.EventGuildBanRemove,
	opcodes.EventGuildEmojisUpdate, opcodes.EventChannelCreate, opcodes.EventChannelUpdate,
	opcodes.EventChannelDelete, opcodes.EventChannelPinsUpdate, opcodes.EventMessageCreate,
	opcodes.EventMessageUpdate, opcodes.EventMessageDelete, opcodes.EventMessageDeleteBulk,
	opcodes.EventMessageReactionAdd, opcodes.EventMessageReactionRemove,
	opcodes.EventMessageReactionRemoveAll, opcodes.EventMessageReactionRemoveEmoji,
	opcodes.EventTypingStart, opcodes.EventPresenceUpdate, opcodes.EventUserUpdate,
	opcodes.EventInviteCreate, opcodes.EventInviteDelete, opcodes.EventWebhooksUpdate,
	opcodes.EventVoiceStateUpdate, opcodes.EventSoundboardSounds, opcodes.EventChannelInfo,
	opcodes.EventVoiceServerUpdate, opcodes.EventGuildIntegrationsUpdate, opcodes.EventIntegrationCreate,
	opcodes.EventIntegrationUpdate, opcodes.EventIntegrationDelete,
}

// eventOther is the index of names outside knownEvents (and of non-dispatch payloads).
var eventOther = uint8(len(knownEvents))

var eventIndex = func() map[opcodes.EventName]uint8 {
	m := make(map[opcodes.EventName]uint8, len(knownEvents))
	for i, e := range knownEvents {
		m[e] = uint8(i)
	}
	return m
}()

func indexOf(name opcodes.EventName) uint8 {
	if i, ok := eventIndex[name]; ok {
		return i
	}
	return eventOther
}

// compressionKinds label the compressor counters: the three transports' slots, plus Identify
// compress:true (payload compression).
const compressionPayload = 3

var compressionNames = [4]string{"none", "zlib-stream", "zstd-stream", "payload"}

// gatewayMetrics are the gateway's families with every child resolved up front.
type gatewayMetrics struct {
	dispatches []*metrics.Counter // by event index
	bytes      []*metrics.Counter
	compIn     [4]*metrics.Counter // by transport, then payload
	compOut    [4]*metrics.Counter
	conns      [2][3]*metrics.Counter // by encoding, transport

	slow, reconnects, identifies *metrics.Counter
	resumed, resumeInvalid       *metrics.Counter
	invalidTrue, invalidFalse    *metrics.Counter

	closes   *metrics.CounterVec
	closesMu sync.Mutex
	closeBy  map[opcodes.CloseCode]*metrics.Counter
}

func newGatewayMetrics(reg *metrics.Registry, s *Server) *gatewayMetrics {
	if reg == nil {
		reg = metrics.NewRegistry() // counted but never exposed: the code path stays one
	}
	m := &gatewayMetrics{closeBy: map[opcodes.CloseCode]*metrics.Counter{}}
	disp := reg.CounterVec("parley_gateway_dispatches_total", "Dispatches written to clients, by event name (replays count again).", "event")
	byt := reg.CounterVec("parley_gateway_dispatch_bytes_total", "Bytes of dispatches as written to sockets (after compression), by event name.", "event")
	for _, e := range knownEvents {
		m.dispatches = append(m.dispatches, disp.With(string(e)))
		m.bytes = append(m.bytes, byt.With(string(e)))
	}
	m.dispatches = append(m.dispatches, disp.With("OTHER"))
	m.bytes = append(m.bytes, byt.With("OTHER"))
	in := reg.CounterVec("parley_gateway_compressor_in_bytes_total", "Bytes fed to gateway compressors, by compression (zlib-stream, zstd-stream, payload).", "compression")
	out := reg.CounterVec("parley_gateway_compressor_out_bytes_total", "Bytes gateway compressors produced, by compression; in / out is the ratio.", "compression")
	for i := 1; i < len(compressionNames); i++ {
		m.compIn[i], m.compOut[i] = in.With(compressionNames[i]), out.With(compressionNames[i])
	}
	acc := reg.CounterVec("parley_gateway_connections_total", "WebSocket connections accepted, by encoding and compression.", "encoding", "compression")
	for e := range m.conns {
		for t := range m.conns[e] {
			m.conns[e][t] = acc.With(encoding(e).String(), transport(t).String())
		}
	}
	m.slow = reg.Counter("parley_gateway_slow_consumers_total", "Connections cut off because their write queue was full (closed 4000, resumable).")
	m.reconnects = reg.Counter("parley_gateway_reconnects_total", "Op 7 Reconnect payloads sent.")
	m.identifies = reg.Counter("parley_gateway_identifies_total", "Identifies answered with READY.")
	res := reg.CounterVec("parley_gateway_resumes_total", "Resume attempts by result: resumed, or invalid (answered op 9).", "result")
	m.resumed, m.resumeInvalid = res.With("resumed"), res.With("invalid")
	inv := reg.CounterVec("parley_gateway_invalid_sessions_total", "Op 9 Invalid Session payloads sent, by their d (resumable).", "resumable")
	m.invalidTrue, m.invalidFalse = inv.With("true"), inv.With("false")
	m.closes = reg.CounterVec("parley_gateway_closes_total", "Close frames the server sent, by close code.", "code")
	for _, code := range []opcodes.CloseCode{opcodes.CloseUnknownError, opcodes.CloseSessionTimedOut} {
		m.close(code) // the common ones exist from the start, at 0
	}
	reg.GaugeVecFunc("parley_gateway_sessions", "Gateway sessions by state (connected, identified, resumable), encoding and compression.",
		[]string{"state", "encoding", "compression"}, s.collectSessions)
	reg.GaugeFunc("parley_gateway_write_queue_max", "Frames waiting in the deepest connection's write queue (sampled at scrape).", func() float64 {
		mx, _ := s.queueDepths()
		return float64(mx)
	})
	reg.GaugeFunc("parley_gateway_write_queue_frames", "Frames waiting in all write queues (sampled at scrape).", func() float64 {
		_, sum := s.queueDepths()
		return float64(sum)
	})
	return m
}

// gatewayEvent names the rare occurrences counted through event.
type gatewayEvent uint8

const (
	metricIdentify gatewayEvent = iota
	metricResumed
	metricResumeInvalid
	metricSlowConsumer
)

// The recording methods accept a nil receiver (a Server assembled without New, as some
// tests do) and then record nothing.

// event counts one identify, resume or slow consumer.
func (m *gatewayMetrics) event(e gatewayEvent) {
	if m == nil {
		return
	}
	switch e {
	case metricIdentify:
		m.identifies.Inc()
	case metricResumed:
		m.resumed.Inc()
	case metricResumeInvalid:
		m.resumeInvalid.Inc()
	case metricSlowConsumer:
		m.slow.Inc()
	}
}

// accepted counts one accepted WebSocket.
func (m *gatewayMetrics) accepted(enc encoding, tr transport) {
	if m != nil {
		m.conns[enc][tr].Inc()
	}
}

// close counts one close frame; closes are rare, so a lock and a map are fine here.
func (m *gatewayMetrics) close(code opcodes.CloseCode) {
	if m == nil {
		return
	}
	m.closesMu.Lock()
	c := m.closeBy[code]
	if c == nil {
		c = m.closes.With(strconv.Itoa(int(code)))
		m.closeBy[code] = c
	}
	m.closesMu.Unlock()
	c.Inc()
}

// wrote counts one frame written to a socket: n bytes on the wire, from plain bytes before
// compression (comp is the compressor slot used, 0 for none).
func (m *gatewayMetrics) wrote(f frame, n, plain int, comp int) {
	if m == nil {
		return
	}
	switch f.op {
	case opcodes.Dispatch:
		i := f.p.ev
		m.dispatches[i].Inc()
		m.bytes[i].Add(uint64(n))
	case opcodes.Reconnect:
		m.reconnects.Inc()
	case opcodes.InvalidSession:
		if string(f.p.json) == "true" {
			m.invalidTrue.Inc()
		} else {
			m.invalidFalse.Inc()
		}
	}
	if comp != 0 {
		m.compIn[comp].Add(uint64(plain))
		m.compOut[comp].Add(uint64(n))
	}
}

// collectSessions reports sessions by state at scrape time: open connections (identified
// once a session is attached) and detached sessions still resumable. Costs O(connections +
// sessions) per scrape, nothing on the hot path.
func (s *Server) collectSessions(emit func(v float64, values ...string)) {
	var counts [3][2][3]int // state, encoding, transport
	const connected, identified, resumable = 0, 1, 2
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		st := connected
		if c.attached.Load() {
			st = identified
		}
		counts[st][c.enc][c.transport]++
	}
	if ms, ok := s.store.(*MemorySessionStore); ok {
		for _, sess := range ms.all() {
			sess.mu.Lock()
			if sess.conn == nil && !sess.ended && sess.everAttached {
				counts[resumable][sess.lastEnc][sess.lastTransport]++
			}
			sess.mu.Unlock()
		}
	}
	states := [3]string{"connected", "identified", "resumable"}
	for st := range counts {
		for e := range counts[st] {
			for t := range counts[st][e] {
				emit(float64(counts[st][e][t]), states[st], encoding(e).String(), transport(t).String())
			}
		}
	}
}

// queueDepths samples every connection's write queue.
func (s *Server) queueDepths() (maxDepth, sum int) {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.qmu.Lock()
		n := len(c.queue)
		c.qmu.Unlock()
		sum += n
		maxDepth = max(maxDepth, n)
	}
	return maxDepth, sum
}
