package guilds

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// The matcher: Discord's keyword semantics over untrusted message content. Keywords are
// case-insensitive; a `*` at the start and/or end decides where the keyword may sit:
//
//	cat*   the keyword starts a word ("catch")
//	*cat   the keyword ends a word ("wildcat")
//	*cat*  anywhere ("location")
//	cat    a whole word or phrase ("cat", not "cats")
//
// A word boundary is the start or end of the content or any rune that is not a letter or
// digit. An allow-list entry (same wildcard rules) cancels a match when it matches the whole
// words the match lies in. Regex patterns are Go RE2 (close to Rust's regex crate, which
// Discord uses; both are linear-time), matched against the original content.
//
// Built-in presets (KEYWORD_PRESET rules) are small stand-in lists, not Discord's wordsets:
// see autoModPresets.

// autoModPresets are the keyword lists behind presets 1 (profanity), 2 (sexual content) and
// 3 (slurs). They are deliberately short: enough for a preset rule to do something
// observable and testable; operators who need real coverage use keyword rules.
var autoModPresets = map[int][]string{
	1: {"fuck*", "shit*", "*bullshit*", "damn", "asshole*"},
	2: {"porn*", "nsfw", "xxx"},
	3: {"idiot*", "moron*", "imbecile*"},
}

// keyword is one compiled keyword: lowercased text and where it may sit in a word.
type keyword struct {
	raw    string // as configured, reported as matched_keyword
	text   string // lowercased, wildcards stripped
	prefix bool   // `word*`: may continue into the rest of a word
	suffix bool   // `*word`: may start inside a word
	grams  []uint16
}

// gramSet is a one-sided filter of the byte trigrams of a message's lowercased content: a
// keyword one of whose trigrams is absent cannot occur, so most of a large keyword list is
// rejected with a few bit tests instead of a scan of the content each.
type gramSet [1 << 16 / 64]uint64

func gramHash(a, b, c byte) uint16 {
	return uint16((uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 2654435761 >> 16)
}

func newGramSet(lower string) *gramSet {
	g := new(gramSet)
	for i := 0; i+2 < len(lower); i++ {
		h := gramHash(lower[i], lower[i+1], lower[i+2])
		g[h/64] |= 1 << (h % 64)
	}
	return g
}

// mayContain reports whether every trigram of k is in g (always true for keywords shorter
// than three bytes, and without a set).
func (g *gramSet) mayContain(k keyword) bool {
	if g == nil {
		return true
	}
	for _, h := range k.grams {
		if g[h/64]&(1<<(h%64)) == 0 {
			return false
		}
	}
	return true
}

func compileKeyword(raw string) (keyword, bool) {
	k := keyword{raw: raw, text: raw}
	if strings.HasPrefix(k.text, "*") {
		k.suffix, k.text = true, k.text[1:]
	}
	if strings.HasSuffix(k.text, "*") {
		k.prefix, k.text = true, k.text[:len(k.text)-1]
	}
	k.text = strings.ToLower(k.text)
	for i := 0; i+2 < len(k.text); i++ {
		k.grams = append(k.grams, gramHash(k.text[i], k.text[i+1], k.text[i+2]))
	}
	return k, k.text != ""
}

func compileKeywords(raws []string) []keyword {
	out := make([]keyword, 0, len(raws))
	for _, r := range raws {
		if k, ok := compileKeyword(r); ok {
			out = append(out, k)
		}
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// boundaryBefore reports whether s[:i] ends at a word boundary.
func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

// boundaryAfter reports whether s[i:] starts at a word boundary.
func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}

// wordSpan widens [i, j) to the whole words it touches.
func wordSpan(s string, i, j int) (int, int) {
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !isWordRune(r) {
			break
		}
		i -= n
	}
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) {
			break
		}
		j += n
	}
	return i, j
}

// find returns the first occurrence of k in lower (already lowercased) at or after from that
// respects k's wildcards, as a byte span.
func (k keyword) find(lower string, from int) (int, int, bool) {
	if k.text == "" {
		return 0, 0, false
	}
	for from <= len(lower)-len(k.text) {
		i := strings.Index(lower[from:], k.text)
		if i < 0 {
			return 0, 0, false
		}
		i += from
		j := i + len(k.text)
		if (k.suffix || boundaryBefore(lower, i)) && (k.prefix || boundaryAfter(lower, j)) {
			return i, j, true
		}
		_, n := utf8.DecodeRuneInString(lower[i:])
		from = i + n
	}
	return 0, 0, false
}

// matchesAll reports whether k matches s as a whole (allow-list entries against a match's
// words).
func (k keyword) matchesAll(lower string) bool {
	_, _, ok := k.find(lower, 0)
	return ok
}

// keywordHit is what triggered a rule: the configured keyword or pattern and the content
// it matched.
type keywordHit struct {
	keyword string
	matched string
}

// matchKeywords returns the first keyword of ks that matches content and is not cancelled by
// the allow list.
func matchKeywords(content, lower string, grams *gramSet, ks, allow []keyword) (keywordHit, bool) {
	for _, k := range ks {
		if !grams.mayContain(k) {
			continue
		}
		from := 0
		for {
			i, j, ok := k.find(lower, from)
			if !ok {
				break
			}
			wi, wj := wordSpan(lower, i, j)
			words := lower[wi:wj]
			allowed := false
			for _, a := range allow {
				if a.matchesAll(words) {
					allowed = true
					break
				}
			}
			if !allowed {
				return keywordHit{keyword: k.raw, matched: originalSpan(content, lower, wi, wj)}, true
			}
			from = j
		}
	}
	return keywordHit{}, false
}

// originalSpan returns content's text for a span of its lowercased form: the same bytes when
// lowercasing kept every length (ASCII and most scripts), else the lowercased text.
func originalSpan(content, lower string, i, j int) string {
	if len(content) == len(lower) {
		return content[i:j]
	}
	return lower[i:j]
}

// matchRegexes returns the first pattern match not cancelled by the allow list.
func matchRegexes(content string, res []*regexp.Regexp, raws []string, allow []keyword) (keywordHit, bool) {
	for n, re := range res {
		for _, loc := range re.FindAllStringIndex(content, 10) {
			m := content[loc[0]:loc[1]]
			lower := strings.ToLower(m)
			allowed := false
			for _, a := range allow {
				if a.matchesAll(lower) {
					allowed = true
					break
				}
			}
			if !allowed {
				return keywordHit{keyword: raws[n], matched: m}, true
			}
		}
	}
	return keywordHit{}, false
}

var mentionPattern = regexp.MustCompile(`<@(!|&)?([0-9]{1,20})>`)

// uniqueMentions counts the distinct users and roles content mentions.
func uniqueMentions(content string) int {
	seen := map[string]bool{}
	for _, m := range mentionPattern.FindAllStringSubmatch(content, -1) {
		kind := "u"
		if m[1] == "&" {
			kind = "r"
		}
		seen[kind+m[2]] = true
	}
	return len(seen)
}

// compiledRule is one enabled rule ready to match message content.
type compiledRule struct {
	rule           opcodes.AutoModRule
	keywords       []keyword
	allow          []keyword
	regexes        []*regexp.Regexp
	regexRaws      []string
	exemptRoles    map[snowflake.ID]bool
	exemptChannels map[snowflake.ID]bool
}

// guildAutoMod is a guild's compiled message rules, cached per guild.
type guildAutoMod struct {
	rules []*compiledRule
}

func compileRule(r opcodes.AutoModRule) *compiledRule {
	c := &compiledRule{rule: r, exemptRoles: map[snowflake.ID]bool{}, exemptChannels: map[snowflake.ID]bool{}}
	md := r.TriggerMetadata
	if md.KeywordFilter != nil {
		c.keywords = compileKeywords(*md.KeywordFilter)
	}
	if md.Presets != nil {
		for _, p := range *md.Presets {
			c.keywords = append(c.keywords, compileKeywords(autoModPresets[p])...)
		}
	}
	if md.AllowList != nil {
		c.allow = compileKeywords(*md.AllowList)
	}
	if md.RegexPatterns != nil {
		for _, p := range *md.RegexPatterns {
			if re, err := regexp.Compile(p); err == nil {
				c.regexes = append(c.regexes, re)
				c.regexRaws = append(c.regexRaws, p)
			}
		}
	}
	for _, id := range r.ExemptRoles {
		c.exemptRoles[id] = true
	}
	for _, id := range r.ExemptChannels {
		c.exemptChannels[id] = true
	}
	return c
}

// match reports whether content triggers the rule, and what matched (nil keyword and content
// for mention spam).
func (c *compiledRule) match(content, lower string, grams *gramSet, mentions int) (*keywordHit, bool) {
	switch c.rule.TriggerType {
	case opcodes.AutoModTriggerKeyword, opcodes.AutoModTriggerKeywordPreset:
		if h, ok := matchKeywords(content, lower, grams, c.keywords, c.allow); ok {
			return &h, true
		}
		if h, ok := matchRegexes(content, c.regexes, c.regexRaws, c.allow); ok {
			return &h, true
		}
	case opcodes.AutoModTriggerMentionSpam:
		if lim := c.rule.TriggerMetadata.MentionTotalLimit; lim != nil && mentions > *lim {
			return nil, true
		}
	}
	return nil, false
}
