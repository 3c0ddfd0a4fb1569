package sqlstore

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/snowflake"
)

// chunkSize bounds IN lists well below both SQLite's and Postgres' parameter limits.
const chunkSize = 500

// params collects positional arguments while a query is built, so dynamic WHERE clauses and
// IN lists get their $N numbering right.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// in returns "($a, $b, ...)" for ids.
func (p *params) in(ids []snowflake.ID) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.add(int64(id)))
	}
	b.WriteByte(')')
	return b.String()
}

// limitClause renders a LIMIT for "at most n" where n <= 0 means unbounded.
func (p *params) limitClause(n int) string {
	if n <= 0 {
		return ""
	}
	return " LIMIT " + p.add(n)
}

// chunks splits ids into IN-list sized pieces after dropping duplicates and sorting, so
// chunked results concatenate in ID order.
func chunks(ids []snowflake.ID) [][]snowflake.ID {
	if len(ids) == 0 {
		return nil
	}
	s := append([]snowflake.ID(nil), ids...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	u := s[:1]
	for _, id := range s[1:] {
		if id != u[len(u)-1] {
			u = append(u, id)
		}
	}
	var out [][]snowflake.ID
	for len(u) > chunkSize {
		out = append(out, u[:chunkSize])
		u = u[chunkSize:]
	}
	return append(out, u)
}

// toJSON encodes a record's document column. Records are plain data, so failure is a
// programming error worth surfacing as an error rather than a panic.
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func fromJSON(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// nanos stores times as Unix nanoseconds: sortable, exact, and identical in both dialects.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func nanosPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixNano()
}

func fromNanosPtr(n *int64) *time.Time {
	if n == nil {
		return nil
	}
	t := time.Unix(0, *n).UTC()
	return &t
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// foldKey is the case-insensitive form of usernames and nicks. It is computed in Go rather
// than with SQL lower() because SQLite's lower() folds ASCII only.
func foldKey(s string) string { return strings.ToLower(s) }

// likePrefix escapes a LIKE pattern matching strings that start with s.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}
