package gateway

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/gorilla/websocket"
)

// Known erlpack encodings (term_to_binary output) for decoding.
func TestDecodeETFKnown(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want any
	}{
		{"small int", []byte{131, 97, 42}, int64(42)},
		{"int", []byte{131, 98, 0xff, 0xff, 0xff, 0xfe}, int64(-2)},
		{"binary", []byte{131, 109, 0, 0, 0, 2, 'h', 'i'}, "hi"},
		{"nil atom", []byte{131, 115, 3, 'n', 'i', 'l'}, nil},
		{"true atom", []byte{131, 100, 0, 4, 't', 'r', 'u', 'e'}, true},
		{"empty list", []byte{131, 106}, []any{}},
		{"list", []byte{131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106}, []any{int64(1), int64(2)}},
		{"string ext", []byte{131, 107, 0, 2, 'o', 'k'}, "ok"},
		{"map binary key", []byte{131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 2, 'o', 'p', 97, 1}, map[string]any{"op": int64(1)}},
		{"small big snowflake", []byte{131, 110, 8, 0, 1, 0, 0, 0, 0, 0, 0x40, 0x0e}, int64(1000000000000000001 - 1000000000000000001 + 0x0e40000000000001)},
		{"float", []byte{131, 70, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, 1.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeETF(tc.in, false)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	for _, bad := range [][]byte{nil, {130}, {131}, {131, 109, 0, 0, 0, 9, 'x'}, {131, 108, 0xff, 0xff, 0xff, 0xff}, {131, 97, 1, 2},
		{131, 116, 0, 0, 0, 1, 115, 2, 'o', 'p', 97, 1}} {
		if _, err := decodeETFPayload(bad); err == nil {
			t.Errorf("decodeETFPayload(%v) succeeded", bad)
		}
	}
}

// JSON → ETF → Go values is lossless for gateway shapes.
func TestETFRoundTrip(t *testing.T) {
	in := `{"op":0,"s":null,"t":"READY","d":{"id":"1000000000000000001","n":-5,"big":18446744073709551615,"f":1.25,"ok":true,"no":false,"list":[1,"a",null,{}],"nested":{"k":[]}}}`
	etf, err := jsonToETF([]byte{etfVersion}, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeETF(etf, true)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(v)
	var a, b any
	_ = json.Unmarshal([]byte(in), &a)
	_ = json.Unmarshal(got, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip:\n in %s\nout %s", in, got)
	}
}

// 1. encoding=etf end to end: client sends binary-keyed ETF, gets ETF frames; atom keys → 4002.
func TestETFConnection(t *testing.T) {
	ts := newTestServer(t, Config{}, nil)
	c := dial(t, ts.url, dialOpt{etf: true})
	c.hello()
	send := func(v any) {
		b, err := etfBinaryKeys(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"op": int64(1), "d": nil})
	c.expectOp(11)
	send(map[string]any{"op": int64(2), "d": map[string]any{"token": "tokA", "intents": int64(iBasic | iMessageContent),
		"properties": map[string]any{"os": "linux"}, "shard": []any{int64(0), int64(1)}}})
	ready := c.expectDispatch("READY")
	if ready.seq() != 1 || ready.data(t)["user"].(map[string]any)["id"] != botA.String() {
		t.Fatalf("READY: %s", ready.raw)
	}
	c.expectDispatch("GUILD_CREATE")
	c.expectDispatch("GUILD_CREATE")
	publishMessage(t, ts.srv, guild0, chanG0, human, "etf hello")
	if got := contentOf(t, c.expectDispatch("MESSAGE_CREATE")); got != "etf hello" {
		t.Fatalf("content %q", got)
	}
	// Atom keys are a decode error.
	atomKeyed := appendSmallAtom([]byte{etfVersion, etfMap, 0, 0, 0, 1}, "op")
	atomKeyed = append(atomKeyed, etfSmallInteger, 1)
	if err := c.ws.WriteMessage(websocket.BinaryMessage, atomKeyed); err != nil {
		t.Fatal(err)
	}
	c.expectClose(4002)
}

func TestEnvelope(t *testing.T) {
	got := appendEnvelope(nil, encodingJSON, 0, 7, "MESSAGE_CREATE", []byte(`{"a":1}`))
	if want := `{"t":"MESSAGE_CREATE","s":7,"op":0,"d":{"a":1}}`; string(got) != want {
		t.Fatalf("got %s", got)
	}
	got = appendEnvelope(nil, encodingJSON, 11, 0, "", []byte(`null`))
	if want := `{"t":null,"s":null,"op":11,"d":null}`; string(got) != want {
		t.Fatalf("got %s", got)
	}
	e := appendEnvelope(nil, encodingETF, 0, 300, "READY", []byte{etfSmallInteger, 5})
	v, err := decodeETF(e, true)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(v) != fmt.Sprint(map[string]any{"t": "READY", "s": int64(300), "op": int64(0), "d": int64(5)}) {
		t.Fatalf("etf envelope %v", v)
	}
	if n := testing.AllocsPerRun(100, func() {
		_ = appendEnvelope(got[:0], encodingJSON, 0, 123456, "MESSAGE_CREATE", []byte(`{}`))
	}); n != 0 {
		t.Fatalf("envelope allocates %v times", n)
	}
}
