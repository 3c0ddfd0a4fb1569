package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/parley-chat/parley/opcodes"
)

// encoding is a connection's wire encoding, chosen by the encoding= query parameter.
type encoding uint8

const (
	encodingJSON encoding = iota
	encodingETF
)

func (e encoding) String() string {
	if e == encodingETF {
		return "etf"
	}
	return "json"
}

// payload is one dispatch's name and d, encoded once and shared by every recipient (and every
// replay buffer) that gets this variant. JSON is canonical; ETF is derived at most once, on the
// first ETF recipient.
type payload struct {
	name opcodes.EventName
	ev   uint8 // index into knownEvents (metrics), resolved once here
	json []byte

	etfOnce sync.Once
	etf     []byte
	etfErr  error
}

// newPayload marshals d once.
func newPayload(name opcodes.EventName, d any) (*payload, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", name, err)
	}
	return &payload{name: name, ev: indexOf(name), json: b}, nil
}

// rawPayload wraps already-encoded JSON.
func rawPayload(name opcodes.EventName, d []byte) *payload {
	return &payload{name: name, ev: indexOf(name), json: d}
}

// data returns d in enc.
func (p *payload) data(enc encoding) ([]byte, error) {
	if enc == encodingJSON {
		return p.json, nil
	}
	p.etfOnce.Do(func() { p.etf, p.etfErr = jsonToETF(nil, p.json) })
	return p.etf, p.etfErr
}

// Frames without a sequence number; their d never changes, so they are pre-encoded.
var (
	dNull  = rawPayload("", []byte("null"))
	dFalse = rawPayload("", []byte("false"))
)

// appendEnvelope writes {"t","s","op","d"} around d. Production Discord always sends all four
// keys (null when unused); strictly typed clients expect that. seq <= 0 and name "" mean null.
func appendEnvelope(dst []byte, enc encoding, op opcodes.Opcode, seq int64, name opcodes.EventName, d []byte) []byte {
	if enc == encodingETF {
		dst = append(dst, etfVersion, etfMap, 0, 0, 0, 4)
		dst = appendSmallAtom(dst, "t")
		if name == "" {
			dst = appendSmallAtom(dst, "nil")
		} else {
			dst = appendBinary(dst, string(name))
		}
		dst = appendSmallAtom(dst, "s")
		if seq <= 0 {
			dst = appendSmallAtom(dst, "nil")
		} else {
			dst = appendInt(dst, seq)
		}
		dst = appendSmallAtom(dst, "op")
		dst = appendInt(dst, int64(op))
		dst = appendSmallAtom(dst, "d")
		return append(dst, d...)
	}
	dst = append(dst, `{"t":`...)
	if name == "" {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"s":`...)
	if seq <= 0 {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, seq, 10)
	}
	dst = append(dst, `,"op":`...)
	dst = strconv.AppendInt(dst, int64(op), 10)
	dst = append(dst, `,"d":`...)
	dst = append(dst, d...)
	return append(dst, '}')
}

// inbound is a decoded client payload: its op and its d as JSON (whatever the wire encoding),
// decoded further once the op is known.
type inbound struct {
	op opcodes.Opcode
	d  json.RawMessage
}

var (
	// errDecode maps to close 4002.
	errDecode = errors.New("decode error")
	// errNoOpcode maps to close 4001.
	errNoOpcode = errors.New("missing or invalid op")
)

// decodeJSON decodes a client JSON payload. Syntax errors are errDecode; a missing or
// non-integer op is errNoOpcode.
func decodeJSON(b []byte) (inbound, error) {
	if in, ok := decodeHeartbeat(b); ok {
		return in, nil
	}
	var raw struct {
		Op json.RawMessage `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return inbound{}, fmt.Errorf("%w: %v", errDecode, err)
	}
	if dec.More() {
		return inbound{}, fmt.Errorf("%w: trailing data", errDecode)
	}
	op, err := strconv.ParseInt(string(raw.Op), 10, 32)
	if err != nil {
		return inbound{}, errNoOpcode
	}
	d := raw.D
	if len(d) == 0 {
		d = json.RawMessage("null")
	}
	return inbound{op: opcodes.Opcode(op), d: d}, nil
}

// decodeHeartbeat is decodeJSON's fast path for the one payload every connection sends
// forever: compact {"op":1,"d":N} or {"d":N,"op":1}, N a non-negative integer or null. It
// skips encoding/json's reflection, which is most of an idle connection's CPU and would grow
// the reader's stack. Anything else (whitespace, other keys) takes the general path.
func decodeHeartbeat(b []byte) (inbound, bool) {
	const opFirst, dFirst = `{"op":1,"d":`, `{"d":`
	var d []byte
	switch {
	case bytes.HasPrefix(b, []byte(opFirst)) && len(b) > len(opFirst) && b[len(b)-1] == '}':
		d = b[len(opFirst) : len(b)-1]
	case bytes.HasPrefix(b, []byte(dFirst)) && bytes.HasSuffix(b, []byte(`,"op":1}`)):
		d = b[len(dFirst) : len(b)-len(`,"op":1}`)]
	default:
		return inbound{}, false
	}
	if string(d) != "null" {
		if len(d) == 0 || len(d) > 18 || (d[0] == '0' && len(d) > 1) {
			return inbound{}, false
		}
		for _, ch := range d {
			if ch < '0' || ch > '9' {
				return inbound{}, false
			}
		}
	}
	return inbound{op: opcodes.Heartbeat, d: json.RawMessage(d)}, true
}

// decodeETFPayload decodes a client ETF payload; atom keys anywhere are errDecode, as on
// Discord.
func decodeETFPayload(b []byte) (inbound, error) {
	v, err := decodeETF(b, false)
	if err != nil {
		return inbound{}, fmt.Errorf("%w: %v", errDecode, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return inbound{}, fmt.Errorf("%w: payload is not a map", errDecode)
	}
	var op int64
	switch o := m["op"].(type) {
	case int64:
		op = o
	default:
		return inbound{}, errNoOpcode
	}
	if op < 0 || op > 1<<16 {
		return inbound{}, errNoOpcode
	}
	d, err := json.Marshal(m["d"])
	if err != nil {
		return inbound{}, fmt.Errorf("%w: %v", errDecode, err)
	}
	return inbound{op: opcodes.Opcode(op), d: d}, nil
}

// etfBinaryKeys encodes v for tests and fuzz seeds the way a client must: binary map keys.
func etfBinaryKeys(v any) ([]byte, error) {
	return appendETF([]byte{etfVersion}, v, false)
}
