package rest_test

import (
	"fmt"
	"strings"
	"testing"
)

// slash is a valid chat-input command body with one option of each kind a bot registers.
func slash(name string) map[string]any {
	return map[string]any{
		"name": name, "description": "does " + name,
		"name_localizations": map[string]any{"de": name + "-de"},
		"options": []any{
			map[string]any{"type": 3, "name": "text", "description": "what", "required": true, "min_length": 1, "max_length": 50},
			map[string]any{"type": 4, "name": "count", "description": "how many", "min_value": 1, "max_value": 10,
				"choices": []any{map[string]any{"name": "one", "value": 1}, map[string]any{"name": "two", "value": 2}}},
			map[string]any{"type": 10, "name": "ratio", "description": "how much", "min_value": 0.5, "autocomplete": true},
			map[string]any{"type": 7, "name": "where", "description": "channel", "channel_types": []any{0, 5}},
			map[string]any{"type": 5, "name": "flag", "description": "yes or no"},
		},
		"default_member_permissions": "32",
	}
}

func TestCommands(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	b, o := w.bot.Token, w.owner.Token
	glob := "/applications/" + w.appID + "/commands"
	guild := "/applications/" + w.appID + "/guilds/" + w.guildID + "/commands"

	var cmdID, version string
	t.Run("create and update by name", func(t *testing.T) {
		c := want(t, e.call(t, "POST", guild, b, slash("echo")), 201).obj(t)
		cmdID, version = str(c, "id"), str(c, "version")
		if str(c, "guild_id") != w.guildID || str(c, "application_id") != w.appID || c["type"].(float64) != 1 ||
			str(c, "default_member_permissions") != "32" || len(c["options"].([]any)) != 5 {
			t.Fatalf("created %v", c)
		}
		if _, ok := c["dm_permission"]; ok {
			t.Fatalf("guild command has dm_permission: %v", c)
		}
		again := want(t, e.call(t, "POST", guild, b, slash("echo")), 200).obj(t)
		if str(again, "id") != cmdID || str(again, "version") == version {
			t.Fatalf("same name: %v (id %s version %s)", again, cmdID, version)
		}
		version = str(again, "version")
	})

	t.Run("read", func(t *testing.T) {
		list := want(t, e.call(t, "GET", guild, b, nil), 200).arr(t)
		if len(list) != 1 {
			t.Fatalf("list %v", list)
		}
		if _, ok := list[0].(map[string]any)["name_localizations"]; ok {
			t.Fatalf("list without with_localizations has localizations: %v", list[0])
		}
		loc := want(t, e.call(t, "GET", guild+"?with_localizations=true", b, nil), 200).arr(t)
		if nl, _ := loc[0].(map[string]any)["name_localizations"].(map[string]any); nl["de"] != "echo-de" {
			t.Fatalf("with_localizations: %v", loc[0])
		}
		got := want(t, e.call(t, "GET", guild+"/"+cmdID, b, nil), 200).obj(t)
		if str(got, "name") != "echo" {
			t.Fatalf("get %v", got)
		}
		wantErr(t, e.call(t, "GET", guild+"/12345", b, nil), 404, 10063)
		wantErr(t, e.call(t, "GET", glob+"/"+cmdID, b, nil), 404, 10063) // not a global command
	})

	t.Run("edit", func(t *testing.T) {
		c := want(t, e.call(t, "PATCH", guild+"/"+cmdID, b, map[string]any{"description": "edited", "default_member_permissions": nil}), 200).obj(t)
		if str(c, "description") != "edited" || c["default_member_permissions"] != nil || str(c, "version") == version || str(c, "id") != cmdID {
			t.Fatalf("patched %v", c)
		}
		m := wantErr(t, e.call(t, "PATCH", guild+"/"+cmdID, b, map[string]any{"name": "Bad Name"}), 400, 50035)
		if fieldErr(t, m, "name")["code"] != "APPLICATION_COMMAND_INVALID_NAME" {
			t.Fatalf("bad rename: %v", m)
		}
		want(t, e.call(t, "POST", guild, b, slash("other")), 201)
		m = wantErr(t, e.call(t, "PATCH", guild+"/"+cmdID, b, map[string]any{"name": "other"}), 400, 50035)
		if fieldErr(t, m, "name")["code"] != "APPLICATION_COMMANDS_DUPLICATE_NAME" {
			t.Fatalf("duplicate rename: %v", m)
		}
		wantErr(t, e.call(t, "PATCH", guild+"/12345", b, map[string]any{"description": "x"}), 404, 10063)
	})

	t.Run("bulk overwrite", func(t *testing.T) {
		set := []any{slash("echo"), map[string]any{"type": 2, "name": "High Five"}, map[string]any{"type": 3, "name": "Quote This"}}
		list := want(t, e.call(t, "PUT", guild, b, set), 200).arr(t)
		if len(list) != 3 || str(list[0].(map[string]any), "id") != cmdID {
			t.Fatalf("overwrite kept ids? %v", list)
		}
		if d := list[1].(map[string]any)["description"]; d != "" {
			t.Fatalf("user command description %v", d)
		}
		if n := len(want(t, e.call(t, "GET", guild, b, nil), 200).arr(t)); n != 3 {
			t.Fatalf("after overwrite %d commands", n)
		}
		m := wantErr(t, e.call(t, "PUT", guild, b, []any{slash("dup"), slash("dup")}), 400, 50035)
		if fieldErr(t, m, "")["code"] != "APPLICATION_COMMANDS_DUPLICATE_NAME" {
			t.Fatalf("duplicate: %v", m)
		}
		m = wantErr(t, e.call(t, "PUT", guild, b, []any{slash("ok"), map[string]any{"name": "UPPER", "description": "x"}}), 400, 50035)
		fieldErr(t, m, "1.name")
		wantErr(t, e.call(t, "PUT", guild, b, map[string]any{"name": "x"}), 400, 50035)
		if n := len(want(t, e.call(t, "GET", guild, b, nil), 200).arr(t)); n != 3 {
			t.Fatalf("failed overwrites changed the set: %d commands", n)
		}
	})

	t.Run("global", func(t *testing.T) {
		c := want(t, e.call(t, "POST", glob, b, map[string]any{"name": "hello", "description": "hi", "contexts": []any{0, 1}, "integration_types": []any{0, 1}, "nsfw": true}), 201).obj(t)
		if c["dm_permission"] != true || c["nsfw"] != true || len(c["contexts"].([]any)) != 2 || c["guild_id"] != nil {
			t.Fatalf("global %v", c)
		}
		want(t, e.call(t, "GET", glob+"/"+str(c, "id"), b, nil), 200)
		want(t, e.call(t, "PATCH", glob+"/"+str(c, "id"), b, map[string]any{"contexts": nil}), 200)
		ep := want(t, e.call(t, "POST", glob, b, map[string]any{"type": 4, "name": "launch", "description": "start", "handler": 2}), 201).obj(t)
		if ep["handler"].(float64) != 2 {
			t.Fatalf("entry point %v", ep)
		}
		wantErr(t, e.call(t, "POST", glob, b, map[string]any{"type": 4, "name": "launch2", "description": "again"}), 400, 30032)
		if n := len(want(t, e.call(t, "PUT", glob, b, []any{}), 200).arr(t)); n != 0 {
			t.Fatalf("cleared global set has %d", n)
		}
		if n := len(want(t, e.call(t, "GET", glob, b, nil), 200).arr(t)); n != 0 {
			t.Fatalf("global list after clearing: %d", n)
		}
		want(t, e.call(t, "POST", glob, b, map[string]any{"name": "gone", "description": "soon"}), 201)
		id := str(want(t, e.call(t, "GET", glob, b, nil), 200).arr(t)[0].(map[string]any), "id")
		want(t, e.call(t, "DELETE", glob+"/"+id, b, nil), 204)
		wantErr(t, e.call(t, "DELETE", glob+"/"+id, b, nil), 404, 10063)
	})

	t.Run("who may call", func(t *testing.T) {
		// Only the application's own bot: its owner's user token and other bots get 50001.
		wantErr(t, e.call(t, "GET", guild, o, nil), 403, 50001)
		wantErr(t, e.call(t, "POST", glob, o, slash("x")), 403, 50001)
		other := want(t, e.call(t, "POST", "/applications", o, map[string]any{"name": "otherbot"}), 201).obj(t)
		tok := want(t, e.call(t, "POST", "/applications/"+str(other, "id")+"/bot", o, nil), 200).obj(t)
		ob := "Bot " + str(tok, "token")
		wantErr(t, e.call(t, "GET", glob, ob, nil), 403, 50001)
		// A guild the bot is not in.
		wantErr(t, e.call(t, "GET", "/applications/"+str(other, "id")+"/guilds/"+w.guildID+"/commands", ob, nil), 403, 50001)
		wantErr(t, e.call(t, "POST", "/applications/"+str(other, "id")+"/guilds/"+w.guildID+"/commands", ob, slash("x")), 403, 50001)
		wantErr(t, e.call(t, "GET", glob, "", nil), 401, 0)
		// applications.commands alone installs the commands, not the bot.
		want(t, e.call(t, "POST", "/oauth2/authorize?client_id="+str(other, "id")+"&scope=applications.commands", o,
			map[string]any{"guild_id": w.guildID, "authorize": true}), 200)
		want(t, e.call(t, "POST", "/applications/"+str(other, "id")+"/guilds/"+w.guildID+"/commands", ob, slash("x")), 201)
		wantErr(t, e.call(t, "GET", "/guilds/"+w.guildID+"/members/"+str(other, "id"), b, nil), 404, 10007)
		m := wantErr(t, e.call(t, "POST", "/oauth2/authorize?client_id="+str(other, "id")+"&scope=identify", o,
			map[string]any{"guild_id": w.guildID, "authorize": true}), 400, 50035)
		fieldErr(t, m, "scope")
		// bot with applications.commands keeps adding the bot.
		want(t, e.call(t, "POST", "/oauth2/authorize?client_id="+str(other, "id")+"&scope=bot+applications.commands", o,
			map[string]any{"guild_id": w.guildID, "authorize": true}), 200)
		want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/members/"+str(other, "id"), b, nil), 200)
	})

	t.Run("validation", func(t *testing.T) {
		opt := func(o map[string]any) map[string]any {
			return map[string]any{"name": "v", "description": "d", "options": []any{o}}
		}
		many := func(n int, f func(i int) any) []any {
			out := make([]any, n)
			for i := range out {
				out[i] = f(i)
			}
			return out
		}
		cases := []struct {
			name string
			body any
			path string
			code string
		}{
			{"upper-case name", map[string]any{"name": "Echo", "description": "d"}, "name", "APPLICATION_COMMAND_INVALID_NAME"},
			{"space in name", map[string]any{"name": "two words", "description": "d"}, "name", "APPLICATION_COMMAND_INVALID_NAME"},
			{"name too long", map[string]any{"name": strings.Repeat("a", 33), "description": "d"}, "name", "BASE_TYPE_BAD_LENGTH"},
			{"no name", map[string]any{"description": "d"}, "name", "BASE_TYPE_BAD_LENGTH"},
			{"no description", map[string]any{"name": "x"}, "description", "BASE_TYPE_BAD_LENGTH"},
			{"description too long", map[string]any{"name": "x", "description": strings.Repeat("d", 101)}, "description", "BASE_TYPE_BAD_LENGTH"},
			{"bad type", map[string]any{"name": "x", "description": "d", "type": 9}, "type", "BASE_TYPE_CHOICES"},
			{"user command name too long", map[string]any{"type": 2, "name": strings.Repeat("A", 33)}, "name", "BASE_TYPE_BAD_LENGTH"},
			{"blank user command name", map[string]any{"type": 3, "name": "   "}, "name", "APPLICATION_COMMAND_INVALID_NAME"},
			{"group inside a group", opt(map[string]any{"type": 2, "name": "grp", "description": "b", "options": []any{
				map[string]any{"type": 2, "name": "inner", "description": "d"},
			}}), "options.0.options.0.type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID"},
			{"options on a user command", map[string]any{"type": 2, "name": "Hi", "options": []any{map[string]any{"type": 3, "name": "a", "description": "b"}}}, "options", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"},
			{"entry point in a guild", map[string]any{"type": 4, "name": "launch", "description": "d"}, "type", "APPLICATION_COMMAND_TYPE_INVALID"},
			{"handler on chat input", map[string]any{"name": "x", "description": "d", "handler": 1}, "handler", "APPLICATION_COMMAND_HANDLER_INVALID"},
			{"bad locale", map[string]any{"name": "x", "description": "d", "name_localizations": map[string]any{"xx": "x"}}, "name_localizations.xx", "LOCALE_INVALID"},
			{"bad localized name", map[string]any{"name": "x", "description": "d", "name_localizations": map[string]any{"fr": "Mauvais Nom"}}, "name_localizations.fr", "APPLICATION_COMMAND_INVALID_NAME"},
			{"localized description too long", map[string]any{"name": "x", "description": "d", "description_localizations": map[string]any{"fr": strings.Repeat("d", 101)}}, "description_localizations.fr", "BASE_TYPE_BAD_LENGTH"},
			{"bad permissions", map[string]any{"name": "x", "description": "d", "default_member_permissions": "18446744073709551615"}, "default_member_permissions", "PERMISSIONS_INVALID"},
			{"26 options", map[string]any{"name": "x", "description": "d", "options": many(26, func(i int) any {
				return map[string]any{"type": 3, "name": fmt.Sprintf("o%d", i), "description": "d"}
			})}, "options", "BASE_TYPE_MAX_LENGTH"},
			{"option type 12", opt(map[string]any{"type": 12, "name": "a", "description": "b"}), "options.0.type", "BASE_TYPE_CHOICES"},
			{"option name upper", opt(map[string]any{"type": 3, "name": "A", "description": "b"}), "options.0.name", "APPLICATION_COMMAND_INVALID_NAME"},
			{"option without description", opt(map[string]any{"type": 3, "name": "a"}), "options.0.description", "BASE_TYPE_BAD_LENGTH"},
			{"required after optional", map[string]any{"name": "x", "description": "d", "options": []any{
				map[string]any{"type": 3, "name": "a", "description": "b"},
				map[string]any{"type": 3, "name": "c", "description": "d", "required": true},
			}}, "options.1.required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"},
			{"duplicate option names", map[string]any{"name": "x", "description": "d", "options": []any{
				map[string]any{"type": 3, "name": "a", "description": "b"},
				map[string]any{"type": 4, "name": "a", "description": "d"},
			}}, "options.1.name", "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS"},
			{"26 choices", opt(map[string]any{"type": 3, "name": "a", "description": "b", "choices": many(26, func(i int) any {
				return map[string]any{"name": fmt.Sprint(i), "value": fmt.Sprint(i)}
			})}), "options.0.choices", "BASE_TYPE_MAX_LENGTH"},
			{"autocomplete with choices", opt(map[string]any{"type": 3, "name": "a", "description": "b", "autocomplete": true,
				"choices": []any{map[string]any{"name": "x", "value": "x"}}}), "options.0.autocomplete", "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES"},
			{"string choice with a number", opt(map[string]any{"type": 3, "name": "a", "description": "b",
				"choices": []any{map[string]any{"name": "x", "value": 1}}}), "options.0.choices.0.value", "BASE_TYPE_STRING"},
			{"integer choice with a fraction", opt(map[string]any{"type": 4, "name": "a", "description": "b",
				"choices": []any{map[string]any{"name": "x", "value": 1.5}}}), "options.0.choices.0.value", "NUMBER_TYPE_COERCE"},
			{"number choice with a string", opt(map[string]any{"type": 10, "name": "a", "description": "b",
				"choices": []any{map[string]any{"name": "x", "value": "1"}}}), "options.0.choices.0.value", "NUMBER_TYPE_COERCE"},
			{"choice name too long", opt(map[string]any{"type": 3, "name": "a", "description": "b",
				"choices": []any{map[string]any{"name": strings.Repeat("n", 101), "value": "x"}}}), "options.0.choices.0.name", "BASE_TYPE_BAD_LENGTH"},
			{"duplicate choice names", opt(map[string]any{"type": 3, "name": "a", "description": "b",
				"choices": []any{map[string]any{"name": "x", "value": "1"}, map[string]any{"name": "x", "value": "2"}}}), "options.0.choices.1.name", "APPLICATION_COMMAND_OPTION_CHOICE_NAME_ALREADY_EXISTS"},
			{"min above max", opt(map[string]any{"type": 4, "name": "a", "description": "b", "min_value": 5, "max_value": 1}), "options.0.min_value", "NUMBER_TYPE_MAX"},
			{"integer min with a fraction", opt(map[string]any{"type": 4, "name": "a", "description": "b", "min_value": 0.5}), "options.0.min_value", "NUMBER_TYPE_COERCE"},
			{"value beyond 2^53", opt(map[string]any{"type": 10, "name": "a", "description": "b", "max_value": 1e16}), "options.0.max_value", "NUMBER_TYPE_MAX"},
			{"max_length 0", opt(map[string]any{"type": 3, "name": "a", "description": "b", "max_length": 0}), "options.0.max_length", "NUMBER_TYPE_MAX"},
			{"min_length 6001", opt(map[string]any{"type": 3, "name": "a", "description": "b", "min_length": 6001}), "options.0.min_length", "NUMBER_TYPE_MAX"},
			{"min_length above max_length", opt(map[string]any{"type": 3, "name": "a", "description": "b", "min_length": 9, "max_length": 3}), "options.0.min_length", "NUMBER_TYPE_MAX"},
			{"bad channel type", opt(map[string]any{"type": 7, "name": "a", "description": "b", "channel_types": []any{99}}), "options.0.channel_types.0", "BASE_TYPE_CHOICES"},
			{"subcommand mixed with values", map[string]any{"name": "x", "description": "d", "options": []any{
				map[string]any{"type": 1, "name": "sub", "description": "b"},
				map[string]any{"type": 3, "name": "val", "description": "d"},
			}}, "options", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"},
			{"group inside subcommand", opt(map[string]any{"type": 1, "name": "sub", "description": "b", "options": []any{
				map[string]any{"type": 2, "name": "grp", "description": "d"},
			}}), "options.0.options.0.type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID"},
			{"group with a value option", opt(map[string]any{"type": 2, "name": "grp", "description": "b", "options": []any{
				map[string]any{"type": 3, "name": "val", "description": "d"},
			}}), "options.0.options.0.type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID"},
			{"options under a value option", opt(map[string]any{"type": 3, "name": "a", "description": "b", "options": []any{
				map[string]any{"type": 3, "name": "c", "description": "d"},
			}}), "options.0.options", "APPLICATION_COMMAND_OPTION_TYPE_INVALID"},
			{"too large", map[string]any{"name": "x", "description": "d", "options": many(25, func(i int) any {
				return map[string]any{"type": 3, "name": fmt.Sprintf("o%d", i), "description": strings.Repeat("d", 100),
					"choices": many(25, func(j int) any {
						return map[string]any{"name": fmt.Sprint(j), "value": strings.Repeat("v", 100)}
					})}
			})}, "", "APPLICATION_COMMAND_TOO_LARGE"},
			{"wrong JSON type", map[string]any{"name": 5, "description": "d"}, "name", "BASE_TYPE_STRING"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := wantErr(t, e.call(t, "POST", guild, b, tc.body), 400, 50035)
				if got := fieldErr(t, m, tc.path)["code"]; got != tc.code {
					t.Fatalf("code at %q = %v, want %s; %v", tc.path, got, tc.code, m["errors"])
				}
			})
		}
		// Global-only fields on a global command.
		for _, tc := range []struct {
			name, path string
			body       map[string]any
		}{
			{"bad context", "contexts.0", map[string]any{"name": "x", "description": "d", "contexts": []any{7}}},
			{"duplicate context", "contexts.1", map[string]any{"name": "x", "description": "d", "contexts": []any{0, 0}}},
			{"bad integration type", "integration_types.0", map[string]any{"name": "x", "description": "d", "integration_types": []any{2}}},
			{"duplicate integration type", "integration_types.1", map[string]any{"name": "x", "description": "d", "integration_types": []any{1, 1}}},
			{"bad handler", "handler", map[string]any{"type": 4, "name": "x", "description": "d", "handler": 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fieldErr(t, wantErr(t, e.call(t, "POST", glob, b, tc.body), 400, 50035), tc.path)
			})
		}
	})

	t.Run("caps", func(t *testing.T) {
		set := make([]any, 0, 16)
		for i := range 15 {
			set = append(set, map[string]any{"type": 2, "name": fmt.Sprintf("User %d", i)})
		}
		want(t, e.call(t, "PUT", glob, b, set), 200)
		wantErr(t, e.call(t, "POST", glob, b, map[string]any{"type": 2, "name": "User 15"}), 400, 30032)
		// Re-creating an existing name is an update, not a 16th command.
		want(t, e.call(t, "POST", glob, b, map[string]any{"type": 2, "name": "User 3"}), 200)
		// Other types have their own cap.
		want(t, e.call(t, "POST", glob, b, map[string]any{"type": 3, "name": "User 15"}), 201)
		wantErr(t, e.call(t, "PUT", glob, b, append(set, map[string]any{"type": 2, "name": "User 15"})), 400, 30032)
		chat := make([]any, 0, 101)
		for i := range 101 {
			chat = append(chat, map[string]any{"name": fmt.Sprintf("c%d", i), "description": "d"})
		}
		wantErr(t, e.call(t, "PUT", glob, b, chat), 400, 30032)
		want(t, e.call(t, "PUT", glob, b, chat[:100]), 200)
	})
}

func TestCommandPermissions(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	b, o, m := w.bot.Token, w.owner.Token, w.member.Token
	guild := "/applications/" + w.appID + "/guilds/" + w.guildID + "/commands"
	cmd := want(t, e.call(t, "POST", guild, b, slash("mod")), 201).obj(t)
	perms := guild + "/" + str(cmd, "id") + "/permissions"

	if n := len(want(t, e.call(t, "GET", guild+"/permissions", b, nil), 200).arr(t)); n != 0 {
		t.Fatalf("no overwrites yet, got %d", n)
	}
	wantErr(t, e.call(t, "GET", perms, b, nil), 404, 10066)
	wantErr(t, e.call(t, "GET", guild+"/12345/permissions", b, nil), 404, 10063)

	body := map[string]any{"permissions": []any{
		map[string]any{"id": w.guildID, "type": 1, "permission": false},
		map[string]any{"id": w.member.ID, "type": 2, "permission": true},
		map[string]any{"id": w.channelID, "type": 3, "permission": true},
	}}
	// A bot token cannot edit permissions (Discord: Bearer tokens only).
	wantErr(t, e.call(t, "PUT", perms, b, body), 403, 20001)
	// A member without MANAGE_GUILD and MANAGE_ROLES.
	wantErr(t, e.call(t, "PUT", perms, m, body), 403, 50013)
	got := want(t, e.call(t, "PUT", perms, o, body), 200).obj(t)
	if str(got, "id") != str(cmd, "id") || str(got, "guild_id") != w.guildID || len(got["permissions"].([]any)) != 3 {
		t.Fatalf("edited %v", got)
	}
	want(t, e.call(t, "GET", perms, b, nil), 200)
	// The application ID stands for all of its commands.
	want(t, e.call(t, "PUT", guild+"/"+w.appID+"/permissions", o, map[string]any{"permissions": []any{
		map[string]any{"id": w.guildIDMinusOne(t), "type": 3, "permission": false},
	}}), 200)
	if n := len(want(t, e.call(t, "GET", guild+"/permissions", b, nil), 200).arr(t)); n != 2 {
		t.Fatalf("overwrite sets %d, want 2", n)
	}

	// A user outside the guild, and a channel of another guild.
	outsider := e.register(t, "outsider")
	wantErr(t, e.call(t, "PUT", perms, outsider.Token, body), 403, 50001)
	og := want(t, e.call(t, "POST", "/guilds", outsider.Token, map[string]any{"name": "Elsewhere"}), 201).obj(t)
	otherChannel := str(want(t, e.call(t, "GET", "/guilds/"+str(og, "id")+"/channels", outsider.Token, nil), 200).arr(t)[0].(map[string]any), "id")

	for _, tc := range []struct {
		name   string
		path   string
		body   any
		status int
		code   int
	}{
		{"unknown command", guild + "/12345/permissions", body, 404, 10063},
		{"unknown role", perms, map[string]any{"permissions": []any{map[string]any{"id": "12345", "type": 1, "permission": true}}}, 404, 10011},
		{"unknown user", perms, map[string]any{"permissions": []any{map[string]any{"id": "12345", "type": 2, "permission": true}}}, 404, 10013},
		{"channel of another guild", perms, map[string]any{"permissions": []any{map[string]any{"id": otherChannel, "type": 3, "permission": true}}}, 404, 10003},
		{"unknown channel", perms, map[string]any{"permissions": []any{map[string]any{"id": "12345", "type": 3, "permission": true}}}, 404, 10003},
		{"bad type", perms, map[string]any{"permissions": []any{map[string]any{"id": w.guildID, "type": 4, "permission": true}}}, 400, 50035},
		{"duplicate", perms, map[string]any{"permissions": []any{map[string]any{"id": w.guildID, "type": 1, "permission": true}, map[string]any{"id": w.guildID, "type": 1, "permission": false}}}, 400, 50035},
		{"too many", perms, map[string]any{"permissions": func() []any {
			out := make([]any, 101)
			for i := range out {
				out[i] = map[string]any{"id": fmt.Sprint(1000 + i), "type": 2, "permission": true}
			}
			return out
		}()}, 400, 50035},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, e.call(t, "PUT", tc.path, o, tc.body), tc.status, tc.code)
		})
	}
	// Clearing removes the set.
	want(t, e.call(t, "PUT", perms, o, map[string]any{"permissions": []any{}}), 200)
	wantErr(t, e.call(t, "GET", perms, b, nil), 404, 10066)
	// Deleting the command removes its overwrites with it.
	want(t, e.call(t, "PUT", perms, o, body), 200)
	want(t, e.call(t, "DELETE", guild+"/"+str(cmd, "id"), b, nil), 204)
	wantErr(t, e.call(t, "GET", perms, b, nil), 404, 10063)
}

// guildIDMinusOne is the "every channel" ID of command permissions.
func (w world) guildIDMinusOne(t *testing.T) string {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(w.guildID, &n); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(n - 1)
}
