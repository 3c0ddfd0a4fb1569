package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func benchMessage(i int) opcodes.Message {
	g := guild0
	return opcodes.Message{
		ID: snowflake.ID(1 << 40 * (i + 1)), ChannelID: chanG0, GuildID: &g,
		Author:    opcodes.User{ID: human, Username: "someone", Discriminator: "0"},
		Content:   "a typical chat message of moderate length, with a link https://example.com/x and words " + strings.Repeat("lorem ipsum ", i%20),
		Timestamp: opcodes.NewTimestamp(time.Unix(1700000000+int64(i), 0)),
		Mentions:  []opcodes.User{}, MentionRoles: []snowflake.ID{}, Attachments: []opcodes.Attachment{},
		Embeds: []opcodes.Embed{}, Components: []json.RawMessage{},
		Member: &opcodes.Member{Roles: []snowflake.ID{}, JoinedAt: opcodes.NewTimestamp(time.Unix(1600000000, 0))},
	}
}

// BenchmarkEncodeDispatch is the per-recipient cost of one MESSAGE_CREATE (d marshalled once
// outside the loop): envelope splice plus the connection's compression.
func BenchmarkEncodeDispatch(b *testing.B) {
	payloads := make([]*payload, 64)
	for i := range payloads {
		payloads[i], _ = newPayload(opcodes.EventMessageCreate, benchMessage(i))
	}
	for _, tr := range []transport{transportNone, transportZlibStream, transportZstdStream} {
		b.Run(tr.String(), func(b *testing.B) {
			comp, err := newCompressor(tr)
			if err != nil {
				b.Fatal(err)
			}
			var plain, packed []byte
			in, out := 0, 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p := payloads[i%len(payloads)]
				plain = appendEnvelope(plain[:0], encodingJSON, opcodes.Dispatch, int64(i+1), p.name, p.json)
				in += len(plain)
				if comp != nil {
					if packed, err = comp.compress(packed[:0], plain); err != nil {
						b.Fatal(err)
					}
					out += len(packed)
				} else {
					out += len(plain)
				}
			}
			b.ReportMetric(float64(in)/float64(out), "ratio")
			if comp != nil {
				comp.close()
			}
		})
	}
}

// BenchmarkMarshalMessage is the once-per-event cost of encoding d.
func BenchmarkMarshalMessage(b *testing.B) {
	m := benchMessage(7)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newPayload(opcodes.EventMessageCreate, m); err != nil {
			b.Fatal(err)
		}
	}
}

// discardConn is a Conn whose writes vanish; it counts dispatch frames.
type discardConn struct {
	writes    atomic.Int64
	closeOnce sync.Once
	closed    chan struct{}
}

func newDiscardConn() *discardConn { return &discardConn{closed: make(chan struct{})} }

func (d *discardConn) NextReader() (int, io.Reader, error) {
	<-d.closed
	return 0, nil, io.EOF
}
func (d *discardConn) WriteMessage(int, []byte) error            { d.writes.Add(1); return nil }
func (d *discardConn) WriteControl(int, []byte, time.Time) error { return nil }
func (d *discardConn) SetReadLimit(int64)                        {}
func (d *discardConn) SetReadDeadline(time.Time) error           { return nil }
func (d *discardConn) SetWriteDeadline(time.Time) error          { return nil }
func (d *discardConn) Close() error                              { d.closeOnce.Do(func() { close(d.closed) }); return nil }

// allowAll answers permission checks from memory, as the real cached service does.
type allowAll struct{ *fakeDomain }

func (allowAll) ChannelPermissions(context.Context, snowflake.ID, snowflake.ID, snowflake.ID) (opcodes.Permissions, error) {
	return opcodes.PermAll, nil
}

// attachFake makes an identified session on a fake connection, as Identify would.
func attachFake(srv *Server, user snowflake.ID, intents opcodes.Intents, tr transport) (*Session, *conn, *discardConn) {
	dc := newDiscardConn()
	comp, _ := newCompressor(tr)
	c := newConn(srv, dc, encodingJSON, tr, comp, 10, "ws://x")
	s := &Session{srv: srv, id: newSessionID(), userID: user, intents: intents, numShards: 1, largeThreshold: 50,
		guilds: map[snowflake.ID]struct{}{guild0: {}}, log: srv.log}
	s.mu.Lock()
	s.attachLocked(c)
	s.mu.Unlock()
	c.sess = s
	srv.hub.add(s, []snowflake.ID{guild0})
	return s, c, dc
}

// BenchmarkFanout1000 publishes one MESSAGE_CREATE to 1,000 sessions and waits until every
// writer goroutine has written it (fake connections, so no kernel time is included). Each
// op includes encoding d in both forms (full and MESSAGE_CONTENT-stripped), as the domain
// does at publish.
func BenchmarkFanout1000(b *testing.B) {
	for _, tr := range []transport{transportNone, transportZlibStream, transportZstdStream} {
		b.Run(tr.String(), func(b *testing.B) {
			srv, err := New(Config{Logger: slog.New(slog.DiscardHandler), WriteQueueSize: 1 << 16, ReplayBufferSize: 64}, allowAll{standardDomain()})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Shutdown(context.Background())
			const n = 1000
			conns := make([]*discardConn, n)
			cs := make([]*conn, n)
			for i := range n {
				_, cs[i], conns[i] = attachFake(srv, snowflake.ID(3000000000000000000+i), opcodes.IntentsDefault|opcodes.IntentMessageContent, tr)
			}
			msgs := make([]opcodes.Message, 16)
			for i := range msgs {
				msgs[i] = benchMessage(i)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			sent := int64(0)
			for i := 0; i < b.N; i++ {
				// What the domain does at publish: encode d in both forms, once.
				m := msgs[i%len(msgs)]
				stripped := m
				guilds.StripContent(&stripped)
				sd, err := json.Marshal(stripped)
				if err != nil {
					b.Fatal(err)
				}
				srv.publish(ctx, events.Event{Name: opcodes.EventMessageCreate, GuildID: guild0, ChannelID: chanG0, AuthorID: human, Stripped: sd},
					m)
				sent++
				// Keep replay buffers from growing: the clients "ack" everything.
				if i%32 == 31 {
					for _, c := range cs {
						c.sess.ack(sent)
					}
				}
			}
			for _, dc := range conns {
				for dc.writes.Load() < sent {
					// Benchmark wait: the writers run on their own goroutines and the clock
					// must be real to measure them (no synctest bubble), so poll cheaply.
					time.Sleep(50 * time.Microsecond)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*n), "ns/delivery")
			for _, c := range cs {
				c.kill(0, "")
			}
		})
	}
}
