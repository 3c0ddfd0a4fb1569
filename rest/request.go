package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// pathID parses a snowflake path parameter. Discord answers a non-numeric ID with 50035
// NUMBER_TYPE_COERCE at the parameter's name, and a numeric one that cannot exist (0,
// overflow) with the resource's unknown-X error, given as unknown.
func (r *request) pathID(name string, unknown error) (snowflake.ID, error) {
	raw := r.c.Params(name)
	id, err := parseSnowflake(raw)
	if err == nil {
		return id, nil
	}
	if isDigits(raw) {
		return 0, unknown
	}
	return 0, fieldError(name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", raw))
}

// pathString returns an unescaped copy of a path parameter (emoji, token, invite code).
func (r *request) pathString(name string) string {
	return unescape(r.c.Params(name))
}

func parseSnowflake(s string) (snowflake.ID, error) {
	id, err := snowflake.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("parse snowflake: %w", err)
	}
	return id, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// queryID reads an optional snowflake query parameter (0 when absent).
func (r *request) queryID(name string) (snowflake.ID, error) {
	raw := r.c.Query(name)
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, fieldError(name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", raw))
	}
	return snowflake.ID(v), nil
}

// queryInt reads an optional integer query parameter within [min, max], def when absent.
func (r *request) queryInt(name string, def, min, max int) (int, error) {
	raw := r.c.Query(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fieldError(name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not int.", raw))
	}
	if v < min {
		return 0, fieldError(name, "NUMBER_TYPE_MIN", "Must be "+strconv.Itoa(min)+" or greater.")
	}
	if v > max {
		return 0, fieldError(name, "NUMBER_TYPE_MAX", "Must be "+strconv.Itoa(max)+" or less.")
	}
	return v, nil
}

// queryBool reads an optional boolean query parameter (true/True/1, false/False/0).
func (r *request) queryBool(name string) (bool, error) {
	switch raw := r.c.Query(name); strings.ToLower(raw) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, fieldError(name, "BASE_TYPE_BOOLEAN", "Must be either true or false.")
	}
}

// queryString returns a copy of a query parameter.
func (r *request) queryString(name string) string {
	return strings.Clone(r.c.Query(name))
}

// decode reads the JSON body (or a multipart body's payload_json) into v. An empty body leaves
// v untouched. Unknown fields are ignored (discordgo and others send extra ones). Invalid JSON
// is 50109; a value of the wrong type is 50035 with the errors tree pointing at it.
func (r *request) decode(v any) error {
	body := r.c.Body()
	if r.isMultipart() {
		body = nil
		if f := r.multipartForm(); f != nil && len(f.Value["payload_json"]) > 0 {
			body = []byte(f.Value["payload_json"][0])
		}
		if len(body) == 0 {
			body = r.payloadPart()
		}
	}
	return decodeBody(body, v)
}

func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) || !json.Valid(body) {
		return errInvalidJSON
	}
	// Slow path: find where the types disagree, with array indexes, the way Discord reports.
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&raw) != nil {
		return errInvalidJSON
	}
	if fe := typeCheck(raw, reflect.TypeOf(v).Elem(), ""); fe != nil {
		return fe
	}
	return fieldError("", "BASE_TYPE_INVALID", "Invalid Form Body")
}

var (
	idType    = reflect.TypeFor[snowflake.ID]()
	permsType = reflect.TypeFor[opcodes.Permissions]()
	tsType    = reflect.TypeFor[opcodes.Timestamp]()
	rawType   = reflect.TypeFor[json.RawMessage]()
	unmarsh   = reflect.TypeFor[json.Unmarshaler]()
	// nullableType is implemented by every opcodes.Nullable[T].
	nullableType = reflect.TypeFor[interface{ NullableValue() }]()
)

// typeCheck walks a decoded JSON value against the Go type it should fill and returns the
// first mismatch as a 50035 answer.
func typeCheck(v any, t reflect.Type, path string) *apiError {
	if v == nil {
		return nil // null: Go leaves the zero value, Discord treats it as absent
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(code, msg string) *apiError { return fieldError(path, code, msg) }
	switch t {
	case idType, permsType:
		what := "snowflake"
		if t == permsType {
			what = "int"
		}
		switch x := v.(type) {
		case string:
			if _, err := strconv.ParseUint(x, 10, 64); err == nil {
				return nil
			}
			return bad("NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not %s.", x, what))
		case json.Number:
			if _, err := strconv.ParseUint(x.String(), 10, 64); err == nil {
				return nil
			}
			return bad("NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not %s.", x.String(), what))
		default:
			return bad("NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not %s.", jsonText(v), what))
		}
	case tsType:
		if _, ok := v.(string); !ok {
			return bad("DATE_TYPE_PARSE", fmt.Sprintf("Could not parse %s. Should be ISO8601.", jsonText(v)))
		}
		var ts opcodes.Timestamp
		if err := ts.UnmarshalJSON([]byte(jsonText(v))); err != nil {
			return bad("DATE_TYPE_PARSE", fmt.Sprintf("Could not parse %s. Should be ISO8601.", v))
		}
		return nil
	case rawType:
		return nil
	}
	// opcodes.Nullable[T]: null is fine (checked above); otherwise check T.
	if t.Implements(nullableType) {
		vf, _ := t.FieldByName("Value")
		return typeCheck(v, vf.Type, path)
	}
	if reflect.PointerTo(t).Implements(unmarsh) {
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			return bad("BASE_TYPE_STRING", "Must be a string.")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad("BASE_TYPE_BOOLEAN", "Must be either true or false.")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return bad("NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not int.", jsonText(v)))
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			if _, err := strconv.ParseUint(n.String(), 10, 64); err != nil {
				return bad("NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not int.", n.String()))
			}
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return bad("NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not float.", jsonText(v)))
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return bad("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
		}
		for i, e := range arr {
			if fe := typeCheck(e, t.Elem(), join(path, strconv.Itoa(i))); fe != nil {
				return fe
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
		}
		for k, e := range m {
			if fe := typeCheck(e, t.Elem(), join(path, k)); fe != nil {
				return fe
			}
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
		}
		fields := jsonFields(t)
		for k, e := range m {
			ft, ok := fields[k]
			if !ok {
				continue
			}
			if fe := typeCheck(e, ft, join(path, k)); fe != nil {
				return fe
			}
		}
	}
	return nil
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps a struct's JSON keys to field types, with embedded structs promoted.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, dup := m[k]; !dup {
						m[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// unescape decodes %XX sequences of a path segment into a fresh string.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return strings.Clone(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
