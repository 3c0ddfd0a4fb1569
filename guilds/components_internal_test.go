package guilds

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/opcodes"
)

// decodeComps decodes a components array the way a request body is decoded.
func decodeComps(t testing.TB, s string) []opcodes.Component {
	t.Helper()
	var cs []opcodes.Component
	if err := json.Unmarshal([]byte(s), &cs); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return cs
}

func fieldsOf(v *validator) []string {
	var fs []string
	for f := range v.fields {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return fs
}

const (
	btn    = `{"type":2,"style":1,"label":"b","custom_id":"%s"}`
	sel    = `{"type":3,"custom_id":"s","options":[{"label":"a","value":"a"}]}`
	text   = `{"type":10,"content":"hi"}`
	v2Flag = opcodes.MessageFlagIsComponentsV2
)

func rowOf(kids ...string) string { return `{"type":1,"components":[` + strings.Join(kids, ",") + `]}` }

func buttons(n int) []string {
	var bs []string
	for i := range n {
		bs = append(bs, strings.Replace(btn, "%s", "b"+string(rune('a'+i)), 1))
	}
	return bs
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// TestComponentLimits: each of Discord's limits is refused at its own errors-tree path with
// its code, and the valid neighbour of each case passes.
func TestComponentLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name  string
		flags int
		comps string
		want  map[string]string // field → code; nil means valid
	}{
		{"one row of five buttons", 0, `[` + rowOf(buttons(5)...) + `]`, nil},
		{"six buttons in a row", 0, `[` + rowOf(buttons(6)...) + `]`, map[string]string{"components.0.components.5": layoutWidthCode}},
		{"empty row", 0, `[{"type":1,"components":[]}]`, map[string]string{"components.0.components": "BASE_TYPE_BAD_LENGTH"}},
		{"five rows", 0, `[` + strings.Repeat(rowOf(sel)+",", 0) + strings.Join([]string{rowOf(buttons(1)...), rowOf(`{"type":2,"style":5,"label":"l","url":"https://a"}`), rowOf(sel), rowOf(`{"type":5,"custom_id":"u"}`), rowOf(`{"type":8,"custom_id":"c","channel_types":[0,2]}`)}, ",") + `]`, nil},
		{"six rows", 0, `[` + strings.TrimSuffix(repeat(rowOf(`{"type":2,"style":5,"label":"l","url":"https://a"}`)+",", 6), ",") + `]`, map[string]string{"components": "BASE_TYPE_MAX_LENGTH"}},
		{"select with a button", 0, `[` + rowOf(sel, buttons(1)[0]) + `]`, map[string]string{"components.0.components.1": layoutWidthCode}},
		{"button at top level", 0, `[` + buttons(1)[0] + `]`, map[string]string{"components.0": unionChoicesCode}},
		{"v2 component without the flag", 0, `[` + text + `]`, map[string]string{"components.0": unionChoicesCode}},
		{"duplicate custom_id", 0, `[` + rowOf(buttons(1)[0], buttons(1)[0]) + `]`, map[string]string{"components.0.components.1.custom_id": customIDDupCode}},
		{"duplicate custom_id across rows", 0, `[` + rowOf(buttons(1)...) + `,` + rowOf(buttons(1)...) + `]`, map[string]string{"components.1.components.0.custom_id": customIDDupCode}},
		{"custom_id of 100", 0, `[` + rowOf(strings.Replace(btn, "%s", long(100), 1)) + `]`, nil},
		{"custom_id of 101", 0, `[` + rowOf(strings.Replace(btn, "%s", long(101), 1)) + `]`, map[string]string{"components.0.components.0.custom_id": "BASE_TYPE_BAD_LENGTH"}},
		{"button without custom_id", 0, `[` + rowOf(`{"type":2,"style":2,"label":"x"}`) + `]`, map[string]string{"components.0.components.0.custom_id": "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED"}},
		{"label of 80", 0, `[` + rowOf(`{"type":2,"style":1,"custom_id":"a","label":"`+long(80)+`"}`) + `]`, nil},
		{"label of 81", 0, `[` + rowOf(`{"type":2,"style":1,"custom_id":"a","label":"`+long(81)+`"}`) + `]`, map[string]string{"components.0.components.0.label": "BASE_TYPE_MAX_LENGTH"}},
		{"bad style", 0, `[` + rowOf(`{"type":2,"style":7,"custom_id":"a"}`) + `]`, map[string]string{"components.0.components.0.style": "BASE_TYPE_CHOICES"}},
		{"link with custom_id", 0, `[` + rowOf(`{"type":2,"style":5,"url":"https://a","custom_id":"a"}`) + `]`, map[string]string{"components.0.components.0.custom_id": "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE"}},
		{"link without url", 0, `[` + rowOf(`{"type":2,"style":5,"label":"l"}`) + `]`, map[string]string{"components.0.components.0.url": "BUTTON_COMPONENT_URL_REQUIRED"}},
		{"link url of 513", 0, `[` + rowOf(`{"type":2,"style":5,"url":"https://`+long(505)+`"}`) + `]`, map[string]string{"components.0.components.0.url": "BASE_TYPE_MAX_LENGTH"}},
		{"link url not a url", 0, `[` + rowOf(`{"type":2,"style":5,"url":"ftp://x"}`) + `]`, map[string]string{"components.0.components.0.url": "URL_TYPE_INVALID_URL"}},
		{"url on a primary button", 0, `[` + rowOf(`{"type":2,"style":1,"custom_id":"a","url":"https://a"}`) + `]`, map[string]string{"components.0.components.0.url": "BUTTON_COMPONENT_URL_NOT_ALLOWED"}},
		{"premium button", 0, `[` + rowOf(`{"type":2,"style":6,"sku_id":"123"}`) + `]`, nil},
		{"premium without sku", 0, `[` + rowOf(`{"type":2,"style":6}`) + `]`, map[string]string{"components.0.components.0.sku_id": "BUTTON_COMPONENT_SKU_ID_REQUIRED"}},
		{"premium with label", 0, `[` + rowOf(`{"type":2,"style":6,"sku_id":"1","label":"x"}`) + `]`, map[string]string{"components.0.components.0.label": "BUTTON_COMPONENT_PREMIUM_FIELD_NOT_ALLOWED"}},
		{"placeholder of 151", 0, `[` + rowOf(`{"type":5,"custom_id":"u","placeholder":"`+long(151)+`"}`) + `]`, map[string]string{"components.0.components.0.placeholder": "BASE_TYPE_MAX_LENGTH"}},
		{"min_values 26", 0, `[` + rowOf(`{"type":6,"custom_id":"r","min_values":26,"max_values":25}`) + `]`, map[string]string{"components.0.components.0.min_values": "NUMBER_TYPE_MAX"}},
		{"max_values 0", 0, `[` + rowOf(`{"type":6,"custom_id":"r","min_values":0,"max_values":0}`) + `]`, map[string]string{"components.0.components.0.max_values": "NUMBER_TYPE_MIN"}},
		{"min above max", 0, `[` + rowOf(`{"type":7,"custom_id":"m","min_values":3,"max_values":2}`) + `]`, map[string]string{"components.0.components.0.min_values": "SELECT_COMPONENT_MIN_VALUES_TOO_LARGE"}},
		{"min_values 0 in a message", 0, `[` + rowOf(`{"type":7,"custom_id":"m","min_values":0,"max_values":25}`) + `]`, nil},
		{"no options", 0, `[` + rowOf(`{"type":3,"custom_id":"s","options":[]}`) + `]`, map[string]string{"components.0.components.0.options": "BASE_TYPE_BAD_LENGTH"}},
		{"26 options", 0, `[` + rowOf(`{"type":3,"custom_id":"s","options":[`+options(26)+`]}`) + `]`, map[string]string{"components.0.components.0.options": "BASE_TYPE_BAD_LENGTH"}},
		{"25 options", 0, `[` + rowOf(`{"type":3,"custom_id":"s","max_values":25,"options":[`+options(25)+`]}`) + `]`, nil},
		{"max_values above options", 0, `[` + rowOf(`{"type":3,"custom_id":"s","max_values":3,"options":[`+options(2)+`]}`) + `]`, map[string]string{"components.0.components.0.options": "BASE_TYPE_MIN_LENGTH"}},
		{"duplicate option value", 0, `[` + rowOf(`{"type":3,"custom_id":"s","options":[{"label":"a","value":"v"},{"label":"b","value":"v"}]}`) + `]`, map[string]string{"components.0.components.0.options.1.value": "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED"}},
		{"option label of 101", 0, `[` + rowOf(`{"type":3,"custom_id":"s","options":[{"label":"`+long(101)+`","value":"v"}]}`) + `]`, map[string]string{"components.0.components.0.options.0.label": "BASE_TYPE_BAD_LENGTH"}},
		{"two defaults, max 1", 0, `[` + rowOf(`{"type":3,"custom_id":"s","options":[{"label":"a","value":"a","default":true},{"label":"b","value":"b","default":true}]}`) + `]`, map[string]string{"components.0.components.0.options": "SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES"}},
		{"role default on a user select", 0, `[` + rowOf(`{"type":5,"custom_id":"u","default_values":[{"id":"1","type":"role"}]}`) + `]`, map[string]string{"components.0.components.0.default_values.0.type": "BASE_TYPE_CHOICES"}},
		{"mentionable defaults", 0, `[` + rowOf(`{"type":7,"custom_id":"m","max_values":2,"default_values":[{"id":"1","type":"role"},{"id":"2","type":"user"}]}`) + `]`, nil},
		{"too many defaults", 0, `[` + rowOf(`{"type":8,"custom_id":"c","default_values":[{"id":"1","type":"channel"},{"id":"2","type":"channel"}]}`) + `]`, map[string]string{"components.0.components.0.default_values": "BASE_TYPE_BAD_LENGTH"}},
		{"bad channel type", 0, `[` + rowOf(`{"type":8,"custom_id":"c","channel_types":[99]}`) + `]`, map[string]string{"components.0.components.0.channel_types.0": "BASE_TYPE_CHOICES"}},
		{"text input in a message", 0, `[` + rowOf(`{"type":4,"custom_id":"t","style":1,"label":"l"}`) + `]`, map[string]string{"components.0.components.0": unionChoicesCode}},
		{"negative id", 0, `[{"type":1,"id":-1,"components":[` + buttons(1)[0] + `]}]`, map[string]string{"components.0.id": "NUMBER_TYPE_MIN"}},
		{"duplicate id", 0, `[{"type":1,"id":7,"components":[{"type":2,"id":7,"style":1,"custom_id":"a"}]}]`, map[string]string{"components.0.components.0.id": "COMPONENT_ID_DUPLICATED"}},

		{"v2 text", v2Flag, `[` + text + `]`, nil},
		{"v2 text of 4001", v2Flag, `[{"type":10,"content":"` + long(4001) + `"}]`, map[string]string{"components.0.content": "BASE_TYPE_BAD_LENGTH"}},
		{"v2 empty text", v2Flag, `[{"type":10}]`, map[string]string{"components.0.content": "BASE_TYPE_REQUIRED"}},
		{"v2 thumbnail at top level", v2Flag, `[{"type":11,"media":{"url":"https://a/b.png"}}]`, map[string]string{"components.0": unionChoicesCode}},
		{"v2 section with thumbnail", v2Flag, `[{"type":9,"components":[` + text + `],"accessory":{"type":11,"media":{"url":"https://a/b.png"}}}]`, nil},
		{"v2 section with button", v2Flag, `[{"type":9,"components":[` + text + `],"accessory":` + buttons(1)[0] + `}]`, nil},
		{"v2 section without accessory", v2Flag, `[{"type":9,"components":[` + text + `]}]`, map[string]string{"components.0.accessory": "BASE_TYPE_REQUIRED"}},
		{"v2 section with a select accessory", v2Flag, `[{"type":9,"components":[` + text + `],"accessory":` + sel + `}]`, map[string]string{"components.0.accessory": unionChoicesCode}},
		{"v2 section of four texts", v2Flag, `[{"type":9,"components":[` + text + `,` + text + `,` + text + `,` + text + `],"accessory":` + buttons(1)[0] + `}]`, map[string]string{"components.0.components": "BASE_TYPE_BAD_LENGTH"}},
		{"v2 section with a row inside", v2Flag, `[{"type":9,"components":[` + rowOf(buttons(1)...) + `],"accessory":` + buttons(2)[1] + `}]`, map[string]string{"components.0.components.0": unionChoicesCode}},
		{"v2 gallery", v2Flag, `[{"type":12,"items":[{"media":{"url":"https://a/1.png"},"description":"alt"}]}]`, nil},
		{"v2 gallery of 11", v2Flag, `[{"type":12,"items":[` + strings.TrimSuffix(repeat(`{"media":{"url":"https://a/1.png"}},`, 11), ",") + `]}]`, map[string]string{"components.0.items": "BASE_TYPE_BAD_LENGTH"}},
		{"v2 gallery bad url", v2Flag, `[{"type":12,"items":[{"media":{"url":"javascript:x"}}]}]`, map[string]string{"components.0.items.0.media.url": "URL_TYPE_INVALID_URL"}},
		{"v2 file by url", v2Flag, `[{"type":13,"file":{"url":"https://a/f.txt"}}]`, map[string]string{"components.0.file.url": "UNFURLED_MEDIA_ITEM_ATTACHMENT_REQUIRED"}},
		{"v2 file", v2Flag, `[{"type":13,"file":{"url":"attachment://f.txt"}}]`, nil},
		{"v2 separator spacing 3", v2Flag, `[{"type":14,"spacing":3}]`, map[string]string{"components.0.spacing": "BASE_TYPE_CHOICES"}},
		{"v2 container", v2Flag, `[{"type":17,"accent_color":16777215,"components":[` + text + `,{"type":14},` + rowOf(buttons(2)...) + `]}]`, nil},
		{"v2 container colour", v2Flag, `[{"type":17,"accent_color":16777216,"components":[` + text + `]}]`, map[string]string{"components.0.accent_color": "NUMBER_TYPE_MAX"}},
		{"v2 container in a container", v2Flag, `[{"type":17,"components":[{"type":17,"components":[` + text + `]}]}]`, map[string]string{"components.0.components.0": unionChoicesCode}},
		{"v2 empty container", v2Flag, `[{"type":17,"components":[]}]`, map[string]string{"components.0.components": "BASE_TYPE_BAD_LENGTH"}},
		{"v2 forty components", v2Flag, `[` + strings.TrimSuffix(repeat(text+",", 40), ",") + `]`, nil},
		{"v2 forty-one components", v2Flag, `[` + strings.TrimSuffix(repeat(text+",", 41), ",") + `]`, map[string]string{"components": "BASE_TYPE_MAX_LENGTH"}},
		{"v2 nested count", v2Flag, `[{"type":17,"components":[` + strings.TrimSuffix(repeat(text+",", 40), ",") + `]}]`, map[string]string{"components": "BASE_TYPE_MAX_LENGTH"}},
		{"v2 more than five rows", v2Flag, `[` + strings.TrimSuffix(repeat(rowOf(`{"type":2,"style":5,"url":"https://a"}`)+",", 6), ",") + `]`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v validator
			validateComponents(&v, "components", tc.flags, decodeComps(t, tc.comps))
			got := map[string]string{}
			for f, es := range v.fields {
				got[f] = es[0].Code
			}
			if tc.want == nil && len(got) > 0 {
				t.Fatalf("valid components refused: %v", got)
			}
			for f, code := range tc.want {
				if got[f] != code {
					t.Fatalf("errors = %v, want %s at %s", got, code, f)
				}
			}
		})
	}
}

func options(n int) string {
	var os []string
	for i := range n {
		v := strings.Repeat("v", i+1)
		os = append(os, `{"label":"`+v+`","value":"`+v+`"}`)
	}
	return strings.Join(os, ",")
}

// TestPassiveComponents: a webhook no application owns may send link buttons and display
// components, not buttons with a custom_id or selects.
func TestPassiveComponents(t *testing.T) {
	var v validator
	checkComponents(&v, "components", componentRules{passive: true}, decodeComps(t, `[`+rowOf(`{"type":2,"style":5,"label":"l","url":"https://a"}`)+`]`))
	if len(v.fields) > 0 {
		t.Fatalf("link button refused: %v", fieldsOf(&v))
	}
	checkComponents(&v, "components", componentRules{passive: true}, decodeComps(t, `[`+rowOf(sel)+`,`+rowOf(buttons(1)...)+`]`))
	if got := fieldsOf(&v); !slices.Equal(got, []string{"components.0.components.0", "components.1.components.0"}) {
		t.Fatalf("errors = %v, want both interactive components refused", got)
	}
}

// TestComponentNormalisation: ids are assigned depth first around the ones the request chose,
// defaults appear as Discord returns them, and message-only rules drop `required`.
func TestComponentNormalisation(t *testing.T) {
	var v validator
	cs := validateComponents(&v, "components", v2Flag, decodeComps(t, `[
		{"type":17,"components":[{"type":10,"content":"a"},{"type":14},{"type":1,"id":3,"components":[{"type":3,"custom_id":"s","required":true,"options":[{"label":"a","value":"a"}]}]}]},
		{"type":9,"components":[{"type":10,"content":"b"}],"accessory":{"type":11,"media":{"url":"https://x/y.png","proxy_url":"https://evil"}}}
	]`))
	if len(v.fields) > 0 {
		t.Fatalf("refused: %v", fieldsOf(&v))
	}
	var ids []int64
	opcodes.WalkComponents(cs, func(c *opcodes.Component) bool { ids = append(ids, c.ID); return true })
	if want := []int64{1, 2, 4, 3, 5, 6, 7, 8}; !slices.Equal(ids, want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
	b, _ := json.Marshal(cs)
	var out []map[string]any
	_ = json.Unmarshal(b, &out)
	box := out[0]
	if box["accent_color"] != nil || box["spoiler"] != false {
		t.Fatalf("container = %v, want accent_color null and spoiler false", box)
	}
	kids := box["components"].([]any)
	if sep := kids[1].(map[string]any); sep["spacing"] != 1.0 || sep["divider"] != true {
		t.Fatalf("separator = %v, want spacing 1 and divider true", sep)
	}
	s := kids[2].(map[string]any)["components"].([]any)[0].(map[string]any)
	if s["min_values"] != 1.0 || s["max_values"] != 1.0 || s["required"] != nil {
		t.Fatalf("select = %v, want min/max_values 1 and no required", s)
	}
	thumb := out[1]["accessory"].(map[string]any)
	if media := thumb["media"].(map[string]any); media["proxy_url"] != nil || thumb["description"] != nil || thumb["spoiler"] != false {
		t.Fatalf("thumbnail = %v: proxy_url is the server's to fill, description null, spoiler false", thumb)
	}
}

// TestModalComponents: a modal takes labels, text displays and the deprecated row of one text
// input, with its own limits.
func TestModalComponents(t *testing.T) {
	label := func(child string) string { return `{"type":18,"label":"Name","component":` + child + `}` }
	input := `{"type":4,"custom_id":"name","style":1}`
	cases := []struct {
		name, title, comps string
		want               map[string]string
	}{
		{"label with input", "Title", `[` + label(input) + `,` + text + `]`, nil},
		{"legacy row", "Title", `[{"type":1,"components":[{"type":4,"custom_id":"n","style":2,"label":"L"}]}]`, nil},
		{"legacy row without label", "Title", `[{"type":1,"components":[{"type":4,"custom_id":"n","style":2}]}]`, map[string]string{"data.components.0.components.0.label": "BASE_TYPE_REQUIRED"}},
		{"title of 46", strings.Repeat("t", 46), `[` + label(input) + `]`, map[string]string{"data.title": "BASE_TYPE_BAD_LENGTH"}},
		{"no components", "Title", `[]`, map[string]string{"data.components": "BASE_TYPE_BAD_LENGTH"}},
		{"six components", "Title", `[` + strings.TrimSuffix(repeat(text+",", 6), ",") + `]`, map[string]string{"data.components": "BASE_TYPE_BAD_LENGTH"}},
		{"button in a label", "Title", `[` + label(buttons(1)[0]) + `]`, map[string]string{"data.components.0.component": unionChoicesCode}},
		{"disabled select", "Title", `[` + label(`{"type":5,"custom_id":"u","disabled":true}`) + `]`, map[string]string{"data.components.0.component.disabled": "COMPONENT_DISABLED_NOT_ALLOWED"}},
		{"required select with min 0", "Title", `[` + label(`{"type":5,"custom_id":"u","min_values":0}`) + `]`, map[string]string{"data.components.0.component.min_values": "NUMBER_TYPE_MIN"}},
		{"optional select with min 0", "Title", `[` + label(`{"type":5,"custom_id":"u","min_values":0,"required":false}`) + `]`, nil},
		{"input style 3", "Title", `[` + label(`{"type":4,"custom_id":"n","style":3}`) + `]`, map[string]string{"data.components.0.component.style": "BASE_TYPE_CHOICES"}},
		{"input max_length 4001", "Title", `[` + label(`{"type":4,"custom_id":"n","style":1,"max_length":4001}`) + `]`, map[string]string{"data.components.0.component.max_length": "NUMBER_TYPE_MAX"}},
		{"label of 46", "Title", `[{"type":18,"label":"` + strings.Repeat("l", 46) + `","component":` + input + `}]`, map[string]string{"data.components.0.label": "BASE_TYPE_BAD_LENGTH"}},
		{"radio of one", "Title", `[` + label(`{"type":21,"custom_id":"r","options":[{"label":"a","value":"a"}]}`) + `]`, map[string]string{"data.components.0.component.options": "BASE_TYPE_BAD_LENGTH"}},
		{"radio, checkboxes, upload, checkbox", "Title", `[` + label(`{"type":21,"custom_id":"r","options":[{"label":"a","value":"a"},{"label":"b","value":"b"}]}`) + `,` + label(`{"type":22,"custom_id":"g","options":[{"label":"a","value":"a"}]}`) + `,` + label(`{"type":19,"custom_id":"f","max_values":10}`) + `,` + label(`{"type":23,"custom_id":"c"}`) + `]`, nil},
		{"duplicate custom_id", "Title", `[` + label(input) + `,` + label(input) + `]`, map[string]string{"data.components.1.component.custom_id": customIDDupCode}},
		{"container in a modal", "Title", `[{"type":17,"components":[` + text + `]}]`, map[string]string{"data.components.0": unionChoicesCode}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v validator
			validateModal(&v, "data", "modal", tc.title, decodeComps(t, tc.comps))
			got := map[string]string{}
			for f, es := range v.fields {
				got[f] = es[0].Code
			}
			if tc.want == nil && len(got) > 0 {
				t.Fatalf("valid modal refused: %v", got)
			}
			for f, code := range tc.want {
				if got[f] != code {
					t.Fatalf("errors = %v, want %s at %s", got, code, f)
				}
			}
		})
	}
}

// FuzzComponents: any components array decodes and validates without a panic, and what
// passes re-encodes into components that pass again with the same ids.
func FuzzComponents(f *testing.F) {
	f.Add([]byte(`[`+rowOf(buttons(3)...)+`]`), 0)
	f.Add([]byte(`[{"type":17,"components":[{"type":9,"components":[{"type":10,"content":"x"}],"accessory":{"type":11,"media":{"url":"https://a"}}}]}]`), v2Flag)
	f.Add([]byte(`[{"type":18,"label":"l","component":{"type":4,"custom_id":"a","style":1}}]`), -1)
	f.Fuzz(func(t *testing.T, body []byte, flags int) {
		if len(body) > 1<<16 {
			return
		}
		var cs []opcodes.Component
		if json.Unmarshal(body, &cs) != nil {
			return
		}
		var v validator
		if flags < 0 {
			cs = validateModal(&v, "data", "m", "t", cs)
		} else {
			cs = validateComponents(&v, "components", flags, cs)
		}
		if len(v.fields) > 0 {
			return
		}
		out, err := json.Marshal(cs)
		if err != nil {
			t.Fatalf("encode valid components: %v", err)
		}
		var again []opcodes.Component
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("decode own output %s: %v", out, err)
		}
		var v2 validator
		if flags < 0 {
			again = validateModal(&v2, "data", "m", "t", again)
		} else {
			again = validateComponents(&v2, "components", flags, again)
		}
		if len(v2.fields) > 0 {
			t.Fatalf("own output %s refused: %v", out, fieldsOf(&v2))
		}
		if out2, _ := json.Marshal(again); string(out2) != string(out) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}
