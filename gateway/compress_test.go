package gateway

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/parley-chat/parley/opcodes"
)

// 2. Transport compression end to end, decoded by stock streaming decoders in the client
// (compress/zlib across sync flushes; klauspost's zstd decoder), one binary frame per payload.
func TestTransportCompression(t *testing.T) {
	for _, kind := range []string{"zlib", "zstd"} {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, Config{}, nil)
			c := dial(t, ts.url, dialOpt{compress: kind})
			c.hello()
			c.send(`{"op":1,"d":null}`)
			c.expectOp(11)
			c.identify("tokA", iBasic|iMessageContent, "")
			for i := range 50 {
				publishMessage(t, ts.srv, guild0, chanG0, human, fmt.Sprintf("message %d %s", i, strings.Repeat("abc ", i*40)))
			}
			for i := range 50 {
				m := c.expectDispatch("MESSAGE_CREATE")
				if !strings.HasPrefix(contentOf(t, m), fmt.Sprintf("message %d ", i)) || !m.binary {
					t.Fatalf("message %d: %.80s", i, m.raw)
				}
			}
		})
	}
}

// 2. Payload compression: Identify compress:true (or a string) without transport
// compression: large payloads become standalone zlib streams in binary frames, small ones text.
func TestPayloadCompression(t *testing.T) {
	for _, compress := range []string{`true`, `"zlib-stream"`} {
		t.Run(compress, func(t *testing.T) {
			ts := newTestServer(t, Config{}, nil)
			c := dial(t, ts.url, dialOpt{compress: "payload"})
			c.hello()
			c.sendf(`{"op":2,"d":{"token":"tokA","intents":%d,"compress":%s}}`, iBasic, compress)
			ready := c.expectDispatch("READY")
			if ready.binary {
				t.Fatal("small READY was compressed")
			}
			gc := c.expectDispatch("GUILD_CREATE")
			if !gc.binary || len(gc.raw) <= payloadCompressThreshold {
				t.Fatalf("GUILD_CREATE (%d bytes) binary=%v", len(gc.raw), gc.binary)
			}
			c.expectDispatch("GUILD_CREATE")
			c.send(`{"op":1,"d":null}`)
			if m := c.expectOp(11); m.binary {
				t.Fatal("ACK compressed")
			}
		})
	}
	t.Run("never with transport compression", func(t *testing.T) {
		ts := newTestServer(t, Config{}, nil)
		c := dial(t, ts.url, dialOpt{compress: "zlib"})
		c.hello()
		c.sendf(`{"op":2,"d":{"token":"tokA","intents":%d,"compress":true}}`, iBasic)
		c.expectDispatch("READY")
		c.expectDispatch("GUILD_CREATE") // decoded through the stream: not double-compressed
	})
}

// Unit level: the dict-based zlib-stream is one valid stream across many flushes.
func TestZlibStreamUnit(t *testing.T) {
	var z zlibStream
	var stream bytes.Buffer
	var want []string
	for i := range 200 {
		p := fmt.Sprintf(`{"t":"MESSAGE_CREATE","s":%d,"op":0,"d":{"content":%q}}`, i, strings.Repeat("hello world ", i%50))
		if i%7 == 0 || i == 1 {
			// The heartbeat ACK comes from staticDeflate: pre-compressed bytes spliced into
			// the stream must decode like the rest.
			p = string(appendEnvelope(nil, encodingJSON, opcodes.HeartbeatAck, 0, "", dNull.json))
			if _, ok := staticDeflate[p]; !ok {
				t.Fatal("heartbeat ACK is not in staticDeflate")
			}
		}
		want = append(want, p)
		out, err := z.compress(nil, []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
			t.Fatalf("frame %d lacks sync flush", i)
		}
		stream.Write(out)
	}
	zr, err := zlib.NewReader(&stream)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil && err != io.ErrUnexpectedEOF {
		t.Fatal(err)
	}
	if string(got) != strings.Join(want, "") {
		t.Fatal("zlib-stream round trip mismatch")
	}
	if len(z.hist) > zlibDictSize {
		t.Fatalf("history %d bytes", len(z.hist))
	}
}

func TestZstdStreamUnit(t *testing.T) {
	z, err := newZstdStream()
	if err != nil {
		t.Fatal(err)
	}
	defer z.close()
	pr, pw := io.Pipe()
	dec, err := zstd.NewReader(pr, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	jd := json.NewDecoder(dec)
	for i := range 20 {
		p := fmt.Sprintf(`{"i":%d,"pad":%q}`, i, strings.Repeat("z", i*100))
		out, err := z.compress(nil, []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		go pw.Write(out)
		var v struct{ I int }
		if err := jd.Decode(&v); err != nil || v.I != i {
			t.Fatalf("payload %d: %v %v", i, v, err)
		}
	}
}

func TestCompressPayloadStandalone(t *testing.T) {
	p := []byte(strings.Repeat(`{"a":"payload"}`, 200))
	out, err := compressPayload(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr) // checks the Adler-32 trailer too
	if err != nil || !bytes.Equal(got, p) {
		t.Fatalf("round trip: %v", err)
	}
}

// decodeHeartbeat must agree with the general decoder on everything it accepts, and leave
// everything else to it.
func TestDecodeHeartbeatFastPath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		fast bool
	}{
		{`{"op":1,"d":null}`, true},
		{`{"op":1,"d":0}`, true},
		{`{"op":1,"d":1234567}`, true},
		{`{"d":42,"op":1}`, true},
		{`{"d":null,"op":1}`, true},
		{`{"op":1,"d":-1}`, false},
		{`{"op":1,"d":01}`, false},
		{`{"op":1,"d":1.5}`, false},
		{`{"op":1,"d":"7"}`, false},
		{`{"op":1,"d":}`, false},
		{`{"op":1,"d":1}}`, false},
		{`{"op":1, "d":1}`, false},
		{`{"op":11,"d":1}`, false},
		{`{"op":1,"d":1,"x":2}`, false},
		{`{"d":1,"x":{"op":1}`, false},
	} {
		in, ok := decodeHeartbeat([]byte(tc.in))
		if ok != tc.fast {
			t.Errorf("%s: fast path %v, want %v", tc.in, ok, tc.fast)
			continue
		}
		if !ok {
			continue
		}
		var raw struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal([]byte(tc.in), &raw); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if in.op != opcodes.Heartbeat || string(in.d) != string(raw.D) {
			t.Errorf("%s: got op %d d %s, want op 1 d %s", tc.in, in.op, in.d, raw.D)
		}
	}
}
