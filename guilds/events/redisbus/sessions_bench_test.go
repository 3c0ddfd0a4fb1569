package redisbus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/storage/testenv"
)

// BenchmarkSessionsWrite is one replicator flush to a real Redis: 100 sessions with 10 new
// frames each (a MESSAGE_CREATE-sized d), one pipeline. ns/op is per flush; frames/s is the
// replication throughput one node's flush loop reaches.
func BenchmarkSessionsWrite(b *testing.B) {
	url := testenv.RedisURL(b)
	prefix := testenv.RedisPrefix(b, url)
	s, err := NewSessions(context.Background(), url, prefix, events.SessionLimits{Limit: 1024, TTL: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 600)
	for i := range data {
		data[i] = 'a'
	}
	data[0], data[len(data)-1] = '"', '"'
	ctx := context.Background()
	ws := make([]events.SessionWrite, 100)
	for i := range ws {
		ws[i] = events.SessionWrite{ID: fmt.Sprint("bench", i), Owner: "a", State: &events.SessionState{ID: "x"}}
	}
	if err := s.Write(ctx, ws); err != nil {
		b.Fatal(err)
	}
	seq := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		for i := range ws {
			ws[i].State = nil
			ws[i].Frames = ws[i].Frames[:0]
			for range 10 {
				seq++
				ws[i].Frames = append(ws[i].Frames, events.SessionFrame{Seq: seq, Name: "MESSAGE_CREATE", Data: data})
			}
		}
		if err := s.Write(ctx, ws); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "frames/s")
}
