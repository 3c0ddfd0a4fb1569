package guilds

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-chat/parley/opcodes"
)

func TestKeywordMatching(t *testing.T) {
	tests := []struct {
		keyword, allow, content, matched string
		ok                               bool
	}{
		{"cat*", "", "a Catapult flew", "Catapult", true},
		{"cat*", "", "bobcat", "", false},
		{"*cat", "", "wildCAT!", "wildCAT", true},
		{"*cat", "", "cattle", "", false},
		{"*cat*", "", "education", "education", true},
		{"cat", "", "cat", "cat", true},
		{"cat", "", "cats", "", false},
		{"cat", "", "the cat, sat", "cat", true},
		{"the mat", "", "on THE MAT now", "THE MAT", true},
		{"the mat*", "", "the matrix", "the matrix", true},
		{"*ana*", "banana*", "banana bread", "", false}, // allowed word
		{"*ana*", "banana*", "bananas and ananas", "ananas", true},
		{"*ass*", "*class*", "first-class", "", false},
		{"héllo", "", "say HÉLLO", "HÉLLO", true},
		{"**", "", "anything", "", false}, // empty after wildcards: never matches
	}
	for _, tt := range tests {
		k, _ := compileKeyword(tt.keyword)
		var allow []keyword
		if tt.allow != "" {
			allow = compileKeywords([]string{tt.allow})
		}
		lower := strings.ToLower(tt.content)
		h, ok := matchKeywords(tt.content, lower, newGramSet(lower), []keyword{k}, allow)
		if ok != tt.ok || (ok && (h.matched != tt.matched || h.keyword != tt.keyword)) {
			t.Errorf("%q in %q (allow %q) = %+v, %v; want %q, %v", tt.keyword, tt.content, tt.allow, h, ok, tt.matched, tt.ok)
		}
	}
}

func TestRuleMatching(t *testing.T) {
	limit := 2
	pats := []string{`(b|c)at`}
	presets := []int{1}
	rules := []struct {
		rule    opcodes.AutoModRule
		content string
		want    bool
	}{
		{opcodes.AutoModRule{TriggerType: 1, TriggerMetadata: opcodes.AutoModTriggerMetadata{RegexPatterns: &pats}}, "a bat", true},
		{opcodes.AutoModRule{TriggerType: 1, TriggerMetadata: opcodes.AutoModTriggerMetadata{RegexPatterns: &pats}}, "a rat", false},
		{opcodes.AutoModRule{TriggerType: 4, TriggerMetadata: opcodes.AutoModTriggerMetadata{Presets: &presets}}, "oh SHIT", true},
		{opcodes.AutoModRule{TriggerType: 4, TriggerMetadata: opcodes.AutoModTriggerMetadata{Presets: &presets}}, "oh shoot", false},
		{opcodes.AutoModRule{TriggerType: 5, TriggerMetadata: opcodes.AutoModTriggerMetadata{MentionTotalLimit: &limit}}, "<@1> <@!1> <@&1> <@2>", true},
		{opcodes.AutoModRule{TriggerType: 5, TriggerMetadata: opcodes.AutoModTriggerMetadata{MentionTotalLimit: &limit}}, "<@1> <@!1> <@1>", false},
		{opcodes.AutoModRule{TriggerType: 3}, "buy now cheap", false}, // ML spam: not enforced
	}
	for _, tt := range rules {
		c := compileRule(tt.rule)
		lower := strings.ToLower(tt.content)
		if _, got := c.match(tt.content, lower, newGramSet(lower), uniqueMentions(tt.content)); got != tt.want {
			t.Errorf("rule %d on %q = %v, want %v", tt.rule.TriggerType, tt.content, got, tt.want)
		}
	}
}

// FuzzAutoModMatch feeds untrusted keywords, allow-list entries and content to the matcher:
// it must not panic, and a match must be a substring of the content's words.
func FuzzAutoModMatch(f *testing.F) {
	f.Add("cat*", "*dog", "catch the wild dog")
	f.Add("*ana*", "banana", "bananas")
	f.Add("é*", "", "ÉÉ\xff\xfe")
	f.Add("İ", "", "İstanbul ß")
	f.Fuzz(func(t *testing.T, kw, allow, content string) {
		if len(kw) > autoModKeywordLen*4 || len(allow) > autoModKeywordLen*4 || len(content) > 8000 {
			return
		}
		k, ok := compileKeyword(kw)
		if !ok {
			return
		}
		lower := strings.ToLower(content)
		ks := []keyword{k}
		h, ok := matchKeywords(content, lower, newGramSet(lower), ks, compileKeywords([]string{allow}))
		// The trigram filter never hides a match.
		if _, plain := matchKeywords(content, lower, nil, ks, compileKeywords([]string{allow})); plain != ok {
			t.Fatalf("filtered %v, unfiltered %v for %q in %q", ok, plain, kw, content)
		}
		if ok && !strings.Contains(content, h.matched) && !strings.Contains(lower, h.matched) {
			t.Fatalf("matched %q is not in %q", h.matched, content)
		}
		if ok && utf8.ValidString(content) && !utf8.ValidString(h.matched) {
			t.Fatalf("matched %q splits a rune of %q", h.matched, content)
		}
		uniqueMentions(content)
	})
}

// BenchmarkAutoModMatch is the enforcement cost per message for the worst configuration
// Discord allows: 6 keyword rules of 1000 keywords each (plus 10 regexes each) against a
// 2000-character message that matches none of them.
func BenchmarkAutoModMatch(b *testing.B) {
	var rules []*compiledRule
	for r := range 6 {
		words := make([]string, 1000)
		for i := range words {
			switch i % 4 {
			case 0:
				words[i] = fmt.Sprintf("word%dx%d", r, i)
			case 1:
				words[i] = fmt.Sprintf("pre%dx%d*", r, i)
			case 2:
				words[i] = fmt.Sprintf("*suf%dx%d", r, i)
			default:
				words[i] = fmt.Sprintf("*any%dx%d*", r, i)
			}
		}
		pats := make([]string, 10)
		for i := range pats {
			pats[i] = fmt.Sprintf(`zz%d[0-9]+qq`, i)
		}
		rules = append(rules, compileRule(opcodes.AutoModRule{TriggerType: 1,
			TriggerMetadata: opcodes.AutoModTriggerMetadata{KeywordFilter: &words, RegexPatterns: &pats}}))
	}
	content := strings.Repeat("the quick brown fox jumps over the lazy dog ", 46)[:2000]
	b.ReportAllocs()
	for b.Loop() {
		// What autoModCheck does per message: lowercase once, one trigram set, every rule.
		lower := strings.ToLower(content)
		grams := newGramSet(lower)
		for _, r := range rules {
			if _, ok := r.match(content, lower, grams, 0); ok {
				b.Fatal("unexpected match")
			}
		}
	}
}
