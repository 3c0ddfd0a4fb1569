package gateway

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// ETF (Erlang External Term Format) as discord/erlpack reads and writes it. The gateway never
// builds ETF from Go values directly: a dispatch's d is marshalled to JSON once (so every json
// tag, omitempty and custom marshaller of the opcodes types applies) and that JSON is
// transcoded to ETF once per event. Client payloads go the other way: ETF → Go values → JSON,
// so Identify and friends have one parser.
//
// Outgoing conventions, matching Discord: map keys and nil/true/false are atoms, strings are
// binaries, integers use the smallest of SMALL_INTEGER/INTEGER/SMALL_BIG, floats NEW_FLOAT.

const (
	etfVersion      = 131
	etfNewFloat     = 70
	etfSmallInteger = 97
	etfInteger      = 98
	etfFloat        = 99 // legacy 31-byte float string
	etfAtom         = 100
	etfSmallTuple   = 104
	etfLargeTuple   = 105
	etfNil          = 106 // empty list
	etfString       = 107 // list of bytes
	etfList         = 108
	etfBinary       = 109
	etfSmallBig     = 110
	etfLargeBig     = 111
	etfMap          = 116
	etfAtomUTF8     = 118
	etfSmallAtom    = 115
	etfSmallAtomUTF = 119
)

// etfMaxDepth bounds nesting in client payloads so a crafted frame cannot exhaust the stack.
const etfMaxDepth = 64

var (
	errETFVersion  = errors.New("etf: missing version byte")
	errETFShort    = errors.New("etf: truncated term")
	errETFAtomKey  = errors.New("etf: atom map key (use binary keys)")
	errETFDepth    = errors.New("etf: nesting too deep")
	errETFTrailing = errors.New("etf: trailing bytes")
)

// etfAtomValue is a decoded atom other than nil/true/false.
type etfAtomValue string

// etfDecoder reads one term from a client frame.
type etfDecoder struct {
	b            []byte
	i            int
	allowAtomKey bool
}

// decodeETF decodes a complete client ETF payload (version byte included) into JSON-shaped Go
// values: map[string]any, []any, string, int64, json.Number (big integers), float64, bool, nil.
// Maps with atom keys are rejected, as Discord does (close 4002), unless allowAtomKeys (for
// reading what the server itself sends).
func decodeETF(b []byte, allowAtomKeys bool) (any, error) {
	if len(b) == 0 || b[0] != etfVersion {
		return nil, errETFVersion
	}
	d := etfDecoder{b: b, i: 1, allowAtomKey: allowAtomKeys}
	v, err := d.term(0)
	if err != nil {
		return nil, err
	}
	if d.i != len(d.b) {
		return nil, errETFTrailing
	}
	if a, ok := v.(etfAtomValue); ok {
		v = string(a)
	}
	return v, nil
}

func (d *etfDecoder) need(n int) error {
	if n < 0 || len(d.b)-d.i < n {
		return errETFShort
	}
	return nil
}

func (d *etfDecoder) u8() (byte, error) {
	if err := d.need(1); err != nil {
		return 0, err
	}
	v := d.b[d.i]
	d.i++
	return v, nil
}

func (d *etfDecoder) u16() (int, error) {
	if err := d.need(2); err != nil {
		return 0, err
	}
	v := binary.BigEndian.Uint16(d.b[d.i:])
	d.i += 2
	return int(v), nil
}

func (d *etfDecoder) u32() (int, error) {
	if err := d.need(4); err != nil {
		return 0, err
	}
	v := binary.BigEndian.Uint32(d.b[d.i:])
	d.i += 4
	if v > math.MaxInt32 {
		return 0, errETFShort
	}
	return int(v), nil
}

func (d *etfDecoder) bytes(n int) ([]byte, error) {
	if err := d.need(n); err != nil {
		return nil, err
	}
	v := d.b[d.i : d.i+n]
	d.i += n
	return v, nil
}

func atomValue(name []byte) any {
	switch string(name) {
	case "nil", "null":
		return nil
	case "true":
		return true
	case "false":
		return false
	}
	return etfAtomValue(name)
}

func (d *etfDecoder) term(depth int) (any, error) {
	if depth > etfMaxDepth {
		return nil, errETFDepth
	}
	tag, err := d.u8()
	if err != nil {
		return nil, err
	}
	switch tag {
	case etfSmallInteger:
		v, err := d.u8()
		return int64(v), err
	case etfInteger:
		if err := d.need(4); err != nil {
			return nil, err
		}
		v := int32(binary.BigEndian.Uint32(d.b[d.i:]))
		d.i += 4
		return int64(v), nil
	case etfNewFloat:
		if err := d.need(8); err != nil {
			return nil, err
		}
		v := math.Float64frombits(binary.BigEndian.Uint64(d.b[d.i:]))
		d.i += 8
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("etf: non-finite float")
		}
		return v, nil
	case etfFloat:
		raw, err := d.bytes(31)
		if err != nil {
			return nil, err
		}
		s := string(bytes.TrimRight(raw, "\x00"))
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("etf: bad float %q", s)
		}
		return v, nil
	case etfAtom, etfAtomUTF8:
		n, err := d.u16()
		if err != nil {
			return nil, err
		}
		name, err := d.bytes(n)
		if err != nil {
			return nil, err
		}
		return atomValue(name), nil
	case etfSmallAtom, etfSmallAtomUTF:
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		name, err := d.bytes(int(n))
		if err != nil {
			return nil, err
		}
		return atomValue(name), nil
	case etfBinary:
		n, err := d.u32()
		if err != nil {
			return nil, err
		}
		s, err := d.bytes(n)
		if err != nil {
			return nil, err
		}
		return string(s), nil
	case etfString:
		n, err := d.u16()
		if err != nil {
			return nil, err
		}
		s, err := d.bytes(n)
		if err != nil {
			return nil, err
		}
		return string(s), nil
	case etfNil:
		return []any{}, nil
	case etfList:
		n, err := d.u32()
		if err != nil {
			return nil, err
		}
		// Every element takes at least one byte; refuse counts the frame cannot hold.
		if err := d.need(n); err != nil {
			return nil, err
		}
		out := make([]any, 0, n)
		for range n {
			v, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, plain(v))
		}
		tail, err := d.u8()
		if err != nil {
			return nil, err
		}
		if tail != etfNil {
			return nil, errors.New("etf: improper list")
		}
		return out, nil
	case etfSmallTuple, etfLargeTuple:
		var n int
		if tag == etfSmallTuple {
			v, err := d.u8()
			if err != nil {
				return nil, err
			}
			n = int(v)
		} else if n, err = d.u32(); err != nil {
			return nil, err
		}
		if err := d.need(n); err != nil {
			return nil, err
		}
		out := make([]any, 0, n)
		for range n {
			v, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, plain(v))
		}
		return out, nil
	case etfMap:
		n, err := d.u32()
		if err != nil {
			return nil, err
		}
		if err := d.need(2 * n); err != nil {
			return nil, err
		}
		out := make(map[string]any, min(n, 64))
		for range n {
			k, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			var key string
			switch k := k.(type) {
			case string:
				key = k
			case etfAtomValue:
				if !d.allowAtomKey {
					return nil, errETFAtomKey
				}
				key = string(k)
			case nil, bool:
				return nil, errETFAtomKey
			case int64:
				key = strconv.FormatInt(k, 10)
			default:
				return nil, fmt.Errorf("etf: unsupported map key %T", k)
			}
			v, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			out[key] = plain(v)
		}
		return out, nil
	case etfSmallBig, etfLargeBig:
		var n int
		if tag == etfSmallBig {
			v, err := d.u8()
			if err != nil {
				return nil, err
			}
			n = int(v)
		} else if n, err = d.u32(); err != nil {
			return nil, err
		}
		sign, err := d.u8()
		if err != nil {
			return nil, err
		}
		digits, err := d.bytes(n)
		if err != nil {
			return nil, err
		}
		if n > 32 {
			return nil, errors.New("etf: integer too large")
		}
		be := make([]byte, n)
		for i, c := range digits {
			be[n-1-i] = c
		}
		v := new(big.Int).SetBytes(be)
		if sign != 0 {
			v.Neg(v)
		}
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return json.Number(v.String()), nil
	}
	return nil, fmt.Errorf("etf: unsupported tag %d", tag)
}

// plain turns a non-key atom into its string, as erlpack does.
func plain(v any) any {
	if a, ok := v.(etfAtomValue); ok {
		return string(a)
	}
	return v
}

// jsonToETF transcodes one JSON value to ETF without the version byte (so it can be spliced
// into an envelope). Object keys become atoms.
func jsonToETF(dst, src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("etf: transcode: %w", err)
	}
	return appendETF(dst, v, true)
}

// appendETF appends v (JSON-shaped Go values) as ETF. atomKeys chooses the map key type:
// atoms for server payloads (as Discord sends), binaries for client payloads in tests.
func appendETF(dst []byte, v any, atomKeys bool) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return appendSmallAtom(dst, "nil"), nil
	case bool:
		if v {
			return appendSmallAtom(dst, "true"), nil
		}
		return appendSmallAtom(dst, "false"), nil
	case string:
		return appendBinary(dst, v), nil
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return appendInt(dst, i), nil
		}
		if u, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return appendBig(dst, new(big.Int).SetUint64(u)), nil
		}
		if bi, ok := new(big.Int).SetString(string(v), 10); ok {
			return appendBig(dst, bi), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("etf: number %q: %w", v, err)
		}
		return appendFloat(dst, f), nil
	case int:
		return appendInt(dst, int64(v)), nil
	case int64:
		return appendInt(dst, v), nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return appendInt(dst, int64(v)), nil
		}
		return appendFloat(dst, v), nil
	case []any:
		if len(v) == 0 {
			return append(dst, etfNil), nil
		}
		dst = append(dst, etfList)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		for _, e := range v {
			if dst, err = appendETF(dst, e, atomKeys); err != nil {
				return nil, err
			}
		}
		return append(dst, etfNil), nil
	case map[string]any:
		dst = append(dst, etfMap)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		for k, e := range v {
			if atomKeys {
				dst = appendAtomKey(dst, k)
			} else {
				dst = appendBinary(dst, k)
			}
			if dst, err = appendETF(dst, e, atomKeys); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("etf: cannot encode %T", v)
}

func appendSmallAtom(dst []byte, name string) []byte {
	dst = append(dst, etfSmallAtom, byte(len(name)))
	return append(dst, name...)
}

func appendAtomKey(dst []byte, name string) []byte {
	if len(name) <= 255 {
		return appendSmallAtom(dst, name)
	}
	dst = append(dst, etfAtom)
	dst = binary.BigEndian.AppendUint16(dst, uint16(min(len(name), math.MaxUint16)))
	return append(dst, name[:min(len(name), math.MaxUint16)]...)
}

func appendBinary(dst []byte, s string) []byte {
	dst = append(dst, etfBinary)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

func appendInt(dst []byte, i int64) []byte {
	switch {
	case i >= 0 && i <= 255:
		return append(dst, etfSmallInteger, byte(i))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		dst = append(dst, etfInteger)
		return binary.BigEndian.AppendUint32(dst, uint32(int32(i)))
	}
	return appendBig(dst, big.NewInt(i))
}

func appendBig(dst []byte, v *big.Int) []byte {
	be := v.Bytes() // magnitude, big-endian
	sign := byte(0)
	if v.Sign() < 0 {
		sign = 1
	}
	if len(be) <= 255 {
		dst = append(dst, etfSmallBig, byte(len(be)), sign)
	} else {
		dst = append(dst, etfLargeBig)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(be)))
		dst = append(dst, sign)
	}
	for i := len(be) - 1; i >= 0; i-- {
		dst = append(dst, be[i])
	}
	return dst
}

func appendFloat(dst []byte, f float64) []byte {
	dst = append(dst, etfNewFloat)
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
}
