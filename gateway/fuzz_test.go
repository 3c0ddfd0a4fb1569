package gateway

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeJSON feeds arbitrary client frames through the JSON decoder and the loose
// per-op parsers. None may panic.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"op":1,"d":null}`,
		`{"op":1,"d":251}`,
		`{"op":2,"d":{"token":"Bot x","intents":null,"properties":{"$os":"linux"},"compress":"zlib-stream","shard":[0,1],"large_threshold":250,"presence":{"game":{"name":""},"activities":null,"status":"online"}}}`,
		`{"op":6,"d":{"token":"x","session_id":"abc","seq":12}}`,
		`{"op":8,"d":{"guild_id":"1","query":"","limit":0,"user_ids":["1",2,true],"nonce":"n"}}`,
		`{"op":3,"d":{"since":null,"activities":[{"name":"x","type":0}],"status":"dnd","afk":false}}`,
		`{"op":31,"d":{"guild_ids":["1"]}}`,
		`{"op":"1"}`, `[]`, `{"op":1}{"op":1}`, `{"op":99999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := decodeJSON(b)
		if err != nil {
			return
		}
		var w identifyWire
		if json.Unmarshal(in.d, &w) == nil {
			parseIntents(w.Intents)
			parseShard(w.Shard)
			parsePresence(w.Presence)
		}
		var r membersRequest
		_ = json.Unmarshal(in.d, &r)
		parsePresence(in.d)
	})
}

// FuzzDecodeETF feeds arbitrary client frames through the ETF decoder; anything it accepts
// must survive a re-encode and decode.
func FuzzDecodeETF(f *testing.F) {
	seeds := []any{
		map[string]any{"op": int64(1), "d": nil},
		map[string]any{"op": int64(2), "d": map[string]any{"token": "x", "intents": int64(513), "shard": []any{int64(0), int64(1)}, "big": json.Number("1000000000000000001")}},
		map[string]any{"op": int64(6), "d": map[string]any{"seq": int64(-70000), "f": 1.5, "ok": true}},
	}
	for _, s := range seeds {
		b, err := etfBinaryKeys(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{131, 116, 0, 0, 0, 1, 115, 2, 'o', 'p', 97, 1})
	f.Add([]byte{131, 108, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{131, 110, 255, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeETFPayload(b)
		v, err := decodeETF(b, false)
		if err != nil {
			return
		}
		again, err := etfBinaryKeys(v)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		if _, err := decodeETF(again, false); err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
	})
}
