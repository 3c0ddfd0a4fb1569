package gateway

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const eventsDocFile = "../docs/gateway-events.md"

// documentedEvents are the 79 receive events of Discord's gateway documentation
// (developers/events/gateway-events.mdx) that are dispatches (op 0); Hello, Reconnect and
// Invalid Session are opcodes and not listed.
var documentedEvents = strings.Fields(`
READY RESUMED RATE_LIMITED APPLICATION_COMMAND_PERMISSIONS_UPDATE
AUTO_MODERATION_RULE_CREATE AUTO_MODERATION_RULE_UPDATE AUTO_MODERATION_RULE_DELETE
AUTO_MODERATION_ACTION_EXECUTION CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE CHANNEL_INFO
CHANNEL_PINS_UPDATE THREAD_CREATE THREAD_UPDATE THREAD_DELETE THREAD_LIST_SYNC
THREAD_MEMBER_UPDATE THREAD_MEMBERS_UPDATE ENTITLEMENT_CREATE ENTITLEMENT_UPDATE
ENTITLEMENT_DELETE GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_AUDIT_LOG_ENTRY_CREATE
GUILD_BAN_ADD GUILD_BAN_REMOVE GUILD_EMOJIS_UPDATE GUILD_STICKERS_UPDATE
GUILD_INTEGRATIONS_UPDATE GUILD_MEMBER_ADD GUILD_MEMBER_REMOVE GUILD_MEMBER_UPDATE
GUILD_MEMBERS_CHUNK GUILD_ROLE_CREATE GUILD_ROLE_UPDATE GUILD_ROLE_DELETE
GUILD_SCHEDULED_EVENT_CREATE GUILD_SCHEDULED_EVENT_UPDATE GUILD_SCHEDULED_EVENT_DELETE
GUILD_SCHEDULED_EVENT_USER_ADD GUILD_SCHEDULED_EVENT_USER_REMOVE GUILD_SOUNDBOARD_SOUND_CREATE
GUILD_SOUNDBOARD_SOUND_UPDATE GUILD_SOUNDBOARD_SOUND_DELETE GUILD_SOUNDBOARD_SOUNDS_UPDATE
SOUNDBOARD_SOUNDS INTEGRATION_CREATE INTEGRATION_UPDATE INTEGRATION_DELETE INTERACTION_CREATE
INVITE_CREATE INVITE_DELETE MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_DELETE_BULK
MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE MESSAGE_REACTION_REMOVE_ALL
MESSAGE_REACTION_REMOVE_EMOJI PRESENCE_UPDATE STAGE_INSTANCE_CREATE STAGE_INSTANCE_UPDATE
STAGE_INSTANCE_DELETE SUBSCRIPTION_CREATE SUBSCRIPTION_UPDATE SUBSCRIPTION_DELETE TYPING_START
USER_UPDATE VOICE_CHANNEL_EFFECT_SEND VOICE_CHANNEL_START_TIME_UPDATE
VOICE_CHANNEL_STATUS_UPDATE VOICE_STATE_UPDATE VOICE_SERVER_UPDATE WEBHOOKS_UPDATE
MESSAGE_POLL_VOTE_ADD MESSAGE_POLL_VOTE_REMOVE
`)

// eventSources walks the Go files under dirs (relative to this package) and calls fn with
// each parsed file, its path and whether it is a test file.
func eventSources(t *testing.T, dirs []string, fn func(path string, test bool, f *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return fmt.Errorf("parse %s: %w", path, err)
			}
			fn(filepath.ToSlash(strings.TrimPrefix(path, "../")), strings.HasSuffix(path, "_test.go"), f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestEventsDoc derives docs/gateway-events.md: for each of Discord's documented dispatch
// events, where Parley produces it (an events.Event{Name: …} or a publishing call such as
// s.publishMessage(ctx, opcodes.EventX, …) in the domain, a newPayload(opcodes.EventX, …) in
// the gateway) and which gateway tests name it. Declaring a constant, listing it or
// comparing against it is not producing the event, so only those two forms count.
// PARLEY_WRITE_EVENTS=1 rewrites the file; otherwise the test fails when it is stale.
func TestEventsDoc(t *testing.T) {
	consts := map[string]string{} // Go constant name → wire name
	eventSources(t, []string{"../opcodes"}, func(_ string, test bool, f *ast.File) {
		if test {
			return
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventName" {
					continue
				}
				for i, name := range vs.Names {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
						v, _ := strconv.Unquote(lit.Value)
						consts[name.Name] = v
					}
				}
			}
		}
	})
	wire := func(e ast.Expr) string {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return ""
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "opcodes" {
			return ""
		}
		return consts[sel.Sel.Name]
	}
	producers := map[string]map[string]bool{}
	tests := map[string]map[string]bool{}
	add := func(m map[string]map[string]bool, ev, path string) {
		if ev == "" {
			return
		}
		if m[ev] == nil {
			m[ev] = map[string]bool{}
		}
		m[ev][path] = true
	}
	documented := map[string]bool{}
	for _, ev := range documentedEvents {
		documented[ev] = true
	}
	eventSources(t, []string{"../guilds", "../gateway"}, func(path string, test bool, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Name" && !test {
					add(producers, wire(n.Value), path)
				}
			case *ast.CallExpr:
				if !test {
					for _, a := range n.Args {
						add(producers, wire(a), path)
					}
				}
			case *ast.SelectorExpr:
				if test && strings.HasPrefix(path, "gateway/") {
					add(tests, wire(n), path)
				}
			case *ast.BasicLit:
				if test && strings.HasPrefix(path, "gateway/") && n.Kind == token.STRING {
					if v, err := strconv.Unquote(n.Value); err == nil && documented[v] {
						add(tests, v, path)
					}
				}
			}
			return true
		})
	})
	delete(tests, "") // literals of the documented list in this file are not tests
	for ev, files := range tests {
		delete(files, "gateway/events_doc_test.go")
		if len(files) == 0 {
			delete(tests, ev)
		}
	}

	keys := func(m map[string]bool) string {
		var s []string
		for k := range m {
			s = append(s, "`"+k+"`")
		}
		sort.Strings(s)
		return strings.Join(s, ", ")
	}
	produced, tested := 0, 0
	var rows strings.Builder
	for _, ev := range documentedEvents {
		p, tt := producers[ev], tests[ev]
		if len(p) > 0 {
			produced++
			if len(tt) > 0 {
				tested++
			}
		}
		status := "not produced"
		if len(p) > 0 {
			status = "produced"
		}
		fmt.Fprintf(&rows, "| %s | %s | %s | %s |\n", ev, status, keys(p), keys(tt))
	}
	var extra []string
	for ev := range producers {
		if !documented[ev] {
			extra = append(extra, ev)
		}
	}
	sort.Strings(extra)

	var b strings.Builder
	b.WriteString("# Gateway dispatch events\n\n")
	b.WriteString("Generated by `PARLEY_WRITE_EVENTS=1 go test -run TestEventsDoc ./gateway/` from the sources. Do not edit by hand.\n")
	b.WriteString("An event counts as produced where a non-test file of `guilds/` or `gateway/` passes its constant to a\n")
	b.WriteString("call (`s.publishMessage(ctx, opcodes.EventX, …)`, `newPayload(opcodes.EventX, …)`) or builds\n")
	b.WriteString("`events.Event{Name: opcodes.EventX}`; declaring, listing or comparing a constant does not count.\n")
	b.WriteString("\"Gateway tests\" are the `gateway/` test files that name the event.\n\n")
	fmt.Fprintf(&b, "**%d of %d documented dispatch events produced; %d of them named by a gateway test.**\n\n",
		produced, len(documentedEvents), tested)
	b.WriteString("| Event | Status | Produced in | Gateway tests |\n|---|---|---|---|\n")
	b.WriteString(rows.String())
	if len(extra) > 0 {
		b.WriteString("\nAlso produced (Discord client events, not in the bot documentation): ")
		b.WriteString(strings.Join(extra, ", "))
		b.WriteString(".\n")
	}
	got := b.String()

	if os.Getenv("PARLEY_WRITE_EVENTS") == "1" {
		if err := os.WriteFile(eventsDocFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(eventsDocFile)
	if err != nil || string(old) != got {
		t.Fatalf("%s is stale; run PARLEY_WRITE_EVENTS=1 go test -run TestEventsDoc ./gateway/", eventsDocFile)
	}
	if len(documentedEvents) != 79 {
		t.Fatalf("documentedEvents has %d names, Discord documents 79", len(documentedEvents))
	}
}
