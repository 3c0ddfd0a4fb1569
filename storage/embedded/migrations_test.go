package embedded

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The SQLite migrations here and the Postgres ones in ../postgres/migrations describe one
// schema in two dialects. TestMigrationsMatchPostgres normalises both (comments, case,
// whitespace, then the known dialect differences) and requires the same files with the same
// statements, so a column, index or constraint added to one side only fails here.

var (
	sqlComment = regexp.MustCompile(`--[^\n]*`)
	sqlSpace   = regexp.MustCompile(`\s+`)
	// SQLite → Postgres spellings of the same thing.
	sqliteTypes = strings.NewReplacer(" integer", " bigint", " blob", " bytea", ") without rowid;", ");")
	// A Postgres trigger is a function plus a trigger; SQLite writes the body inline.
	pgTrigger = regexp.MustCompile(`create or replace function (\w+)\(\) returns trigger language plpgsql as \$\$ begin (.*?) return null; end \$\$; create trigger (\w+) after (insert|delete) on (\w+) for each row execute function (\w+)\(\);`)
)

// normaliseSQL lowercases sql and drops comments and layout.
func normaliseSQL(sql string) string {
	sql = sqlComment.ReplaceAllString(sql, "")
	sql = strings.ToLower(sqlSpace.ReplaceAllString(sql, " "))
	return strings.TrimSpace(sql)
}

// sqliteAsPostgres rewrites normalised SQLite DDL into the Postgres spelling.
func sqliteAsPostgres(sql string) string { return sqliteTypes.Replace(sql) }

// postgresCanonical rewrites normalised Postgres DDL's trigger functions into SQLite's inline
// form, failing on a trigger whose function is not its own.
func postgresCanonical(t *testing.T, sql string) string {
	return pgTrigger.ReplaceAllStringFunc(sql, func(m string) string {
		g := pgTrigger.FindStringSubmatch(m)
		if g[1] != g[6] {
			t.Errorf("trigger %s executes %s, not the function %s defined with it", g[3], g[6], g[1])
		}
		return "create trigger " + g[3] + " after " + g[4] + " on " + g[5] + " begin " + g[2] + " end;"
	})
}

func readMigrations(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations in %s (%v)", dir, err)
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = normaliseSQL(string(b))
	}
	return out
}

func TestMigrationsMatchPostgres(t *testing.T) {
	lite := readMigrations(t, "migrations")
	pg := readMigrations(t, filepath.Join("..", "postgres", "migrations"))
	for name := range pg {
		if _, ok := lite[name]; !ok {
			t.Errorf("%s exists for Postgres only", name)
		}
	}
	for name, l := range lite {
		p, ok := pg[name]
		if !ok {
			t.Errorf("%s exists for SQLite only", name)
			continue
		}
		if a, b := sqliteAsPostgres(l), postgresCanonical(t, p); a != b {
			t.Errorf("%s differs between the dialects beyond their spelling:\n%s", name, firstDifference(a, b))
		}
	}
}

// firstDifference shows both sides from the first statement where they part.
func firstDifference(a, b string) string {
	as, bs := strings.SplitAfter(a, ";"), strings.SplitAfter(b, ";")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if x != y {
			return "sqlite:   " + strings.TrimSpace(x) + "\npostgres: " + strings.TrimSpace(y)
		}
	}
	return ""
}

// TestMigrationsDiffCatches: the comparison sees a one-sided change.
func TestMigrationsDiffCatches(t *testing.T) {
	base := normaliseSQL("CREATE TABLE t (\n\tid INTEGER PRIMARY KEY, -- the id\n\tb BLOB\n) WITHOUT ROWID;")
	same := normaliseSQL("create table t ( id BIGINT primary key, b BYTEA );")
	extra := normaliseSQL("create table t ( id BIGINT primary key, b BYTEA, c BIGINT );")
	if sqliteAsPostgres(base) != postgresCanonical(t, same) {
		t.Fatalf("equivalent DDL differs: %q vs %q", sqliteAsPostgres(base), same)
	}
	if sqliteAsPostgres(base) == postgresCanonical(t, extra) {
		t.Fatal("an extra Postgres column went unnoticed")
	}
}
