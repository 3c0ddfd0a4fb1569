package guilds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/opcodes"
)

// Discord's documented limits on application commands.
const (
	maxCommandOptions   = 25
	maxCommandChoices   = 25
	maxCommandNameLen   = 32
	maxCommandDescLen   = 100
	maxChoiceNameLen    = 100
	maxChoiceStringLen  = 100
	maxOptionLength     = 6000
	maxCommandTotalSize = 8000 // names, descriptions and choice values, longest localization each
	// maxOptionNumber bounds integer and number options and choices: ±2^53.
	maxOptionNumber = 1 << 53
)

// commandNameRE is Discord's naming rule for CHAT_INPUT commands and all option names.
var commandNameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// commandLocales are the locales Discord accepts as localization keys.
var commandLocales = map[string]bool{
	"id": true, "da": true, "de": true, "en-GB": true, "en-US": true, "es-ES": true, "es-419": true,
	"fr": true, "hr": true, "it": true, "lt": true, "hu": true, "nl": true, "no": true, "pl": true,
	"pt-BR": true, "ro": true, "fi": true, "sv-SE": true, "vi": true, "tr": true, "cs": true,
	"el": true, "bg": true, "ru": true, "uk": true, "hi": true, "th": true, "zh-CN": true,
	"ja": true, "zh-TW": true, "ko": true,
}

// validChannelTypes are the channel types an option's channel_types may name.
var validChannelTypes = []opcodes.ChannelType{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16}

// commandDef is a command as validated: what the store keeps (type and name as columns, the
// rest as the JSON document).
type commandDef struct {
	Type opcodes.CommandType `json:"-"`
	Name string              `json:"-"`
	doc
}

// doc is the stored JSON document of a command.
type doc struct {
	NameLocalizations        opcodes.Localizations            `json:"name_localizations,omitempty"`
	Description              string                           `json:"description"`
	DescriptionLocalizations opcodes.Localizations            `json:"description_localizations,omitempty"`
	Options                  []opcodes.CommandOption          `json:"options,omitempty"`
	DefaultMemberPermissions *opcodes.Permissions             `json:"default_member_permissions,omitempty"`
	DMPermission             *bool                            `json:"dm_permission,omitempty"`
	NSFW                     bool                             `json:"nsfw,omitempty"`
	IntegrationTypes         []opcodes.IntegrationType        `json:"integration_types,omitempty"`
	Contexts                 []opcodes.InteractionContextType `json:"contexts,omitempty"`
	Handler                  opcodes.EntryPointHandler        `json:"handler,omitempty"`
}

// checkCommand validates and normalises def in place for a command in a guild (guild true)
// or the global scope; field paths start with prefix ("" or "3." in a bulk overwrite).
func checkCommand(v *validator, prefix string, def *commandDef, guild bool) {
	if def.Type == 0 {
		def.Type = opcodes.CommandChatInput
	}
	switch def.Type {
	case opcodes.CommandChatInput, opcodes.CommandPrimaryEntryPoint:
		checkName(v, prefix+"name", def.Name, true)
		checkLocalizedNames(v, prefix+"name_localizations", def.NameLocalizations, true)
		v.length(prefix+"description", def.Description, 1, maxCommandDescLen)
		checkLocalizedDescriptions(v, prefix+"description_localizations", def.DescriptionLocalizations)
	case opcodes.CommandUser, opcodes.CommandMessage:
		checkName(v, prefix+"name", def.Name, false)
		checkLocalizedNames(v, prefix+"name_localizations", def.NameLocalizations, false)
		// Context-menu commands have no description: Discord stores "".
		def.Description, def.DescriptionLocalizations = "", nil
	default:
		v.add(prefix+"type", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
		return
	}
	if def.Type != opcodes.CommandChatInput && len(def.Options) > 0 {
		v.add(prefix+"options", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only chat input commands may have options.")
	}
	if def.Type == opcodes.CommandChatInput {
		checkOptions(v, prefix+"options", def.Options)
	}
	switch {
	case def.Type == opcodes.CommandPrimaryEntryPoint && guild:
		v.add(prefix+"type", "APPLICATION_COMMAND_TYPE_INVALID", "Primary entry point commands can only be global.")
	case def.Type == opcodes.CommandPrimaryEntryPoint:
		if def.Handler == 0 {
			def.Handler = opcodes.HandlerApp
		}
		if def.Handler != opcodes.HandlerApp && def.Handler != opcodes.HandlerDiscordLaunchActivity {
			v.add(prefix+"handler", "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
		}
	case def.Handler != 0:
		v.add(prefix+"handler", "APPLICATION_COMMAND_HANDLER_INVALID", "Only primary entry point commands may have a handler.")
	}
	if p := def.DefaultMemberPermissions; p != nil && *p&^opcodes.PermAll != 0 {
		v.add(prefix+"default_member_permissions", "PERMISSIONS_INVALID", "Invalid permissions.")
	}
	for i, c := range def.Contexts {
		if c < opcodes.ContextGuild || c > opcodes.ContextPrivateChannel {
			v.add(fmt.Sprintf("%scontexts.%d", prefix, i), "BASE_TYPE_CHOICES", "Value must be one of (0, 1, 2).")
		} else if slices.Contains(def.Contexts[:i], c) {
			v.add(fmt.Sprintf("%scontexts.%d", prefix, i), "SET_TYPE_ALREADY_CONTAINS_VALUE", "The set already contains this value.")
		}
	}
	for i, t := range def.IntegrationTypes {
		if t != opcodes.IntegrationGuildInstall && t != opcodes.IntegrationUserInstall {
			v.add(fmt.Sprintf("%sintegration_types.%d", prefix, i), "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")
		} else if slices.Contains(def.IntegrationTypes[:i], t) {
			v.add(fmt.Sprintf("%sintegration_types.%d", prefix, i), "SET_TYPE_ALREADY_CONTAINS_VALUE", "The set already contains this value.")
		}
	}
	if guild {
		// contexts, integration_types and dm_permission apply to global commands only.
		def.Contexts, def.IntegrationTypes, def.DMPermission = nil, nil, nil
	} else if len(def.IntegrationTypes) == 0 {
		def.IntegrationTypes = []opcodes.IntegrationType{opcodes.IntegrationGuildInstall}
	}
	if commandSize(def) > maxCommandTotalSize {
		v.add(strings.TrimSuffix(prefix, "."), "APPLICATION_COMMAND_TOO_LARGE", fmt.Sprintf("Command exceeds maximum size (%d)", maxCommandTotalSize))
	}
}

// checkName applies the naming rule: for chat input (and all options) Discord's regex in
// lower case where a lower-case variant exists; for context menus any 1–32 characters.
func checkName(v *validator, field, name string, chatInput bool) {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > maxCommandNameLen {
		v.length(field, name, 1, maxCommandNameLen)
		return
	}
	if chatInput && (!commandNameRE.MatchString(name) || strings.ToLower(name) != name) {
		v.add(field, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
	if !chatInput && strings.TrimSpace(name) == "" {
		v.add(field, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

func checkLocale(v *validator, field, locale string) bool {
	if !commandLocales[locale] {
		v.add(field, "LOCALE_INVALID", "Invalid locale: "+strconv.Quote(locale))
		return false
	}
	return true
}

func checkLocalizedNames(v *validator, field string, l opcodes.Localizations, chatInput bool) {
	for _, k := range sortedKeys(l) {
		if checkLocale(v, field+"."+k, k) {
			checkName(v, field+"."+k, l[k], chatInput)
		}
	}
}

func checkLocalizedDescriptions(v *validator, field string, l opcodes.Localizations) {
	for _, k := range sortedKeys(l) {
		if checkLocale(v, field+"."+k, k) {
			v.length(field+"."+k, l[k], 1, maxCommandDescLen)
		}
	}
}

func sortedKeys(l opcodes.Localizations) []string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkOptions validates one level of options: the command's own, a group's or a
// subcommand's.
func checkOptions(v *validator, field string, opts []opcodes.CommandOption) {
	if len(opts) > maxCommandOptions {
		v.add(field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxCommandOptions))
		return
	}
	var subs, values int
	seenOptional := false
	for i := range opts {
		o := &opts[i]
		f := fmt.Sprintf("%s.%d", field, i)
		if o.Type < opcodes.OptionSubCommand || o.Type > opcodes.OptionAttachment {
			v.add(f+".type", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).")
			continue
		}
		checkName(v, f+".name", o.Name, true)
		checkLocalizedNames(v, f+".name_localizations", localized(o.NameLocalizations), true)
		v.length(f+".description", o.Description, 1, maxCommandDescLen)
		checkLocalizedDescriptions(v, f+".description_localizations", localized(o.DescriptionLocalizations))
		for j := range opts[:i] {
			if opts[j].Name == o.Name {
				v.add(f+".name", "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique")
				break
			}
		}
		switch o.Type {
		case opcodes.OptionSubCommandGroup:
			subs++
			// A group below the top level is caught by its parent: subcommands and groups may
			// hold neither, value options nothing.
			for j, c := range o.Options {
				if c.Type != opcodes.OptionSubCommand {
					v.add(fmt.Sprintf("%s.options.%d.type", f, j), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommand groups may only contain subcommands.")
				}
			}
			checkOptions(v, f+".options", o.Options)
			clearValueFields(o)
		case opcodes.OptionSubCommand:
			subs++
			for j, c := range o.Options {
				if c.Type == opcodes.OptionSubCommand || c.Type == opcodes.OptionSubCommandGroup {
					v.add(fmt.Sprintf("%s.options.%d.type", f, j), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot contain subcommands or groups.")
				}
			}
			checkOptions(v, f+".options", o.Options)
			clearValueFields(o)
		default:
			values++
			if o.Required && seenOptional {
				v.add(f+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
			}
			if !o.Required {
				seenOptional = true
			}
			if len(o.Options) > 0 {
				v.add(f+".options", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only subcommands and groups may have options.")
			}
			checkValueOption(v, f, o)
		}
	}
	if subs > 0 && values > 0 {
		v.add(field, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands and groups cannot be mixed with other option types.")
	}
}

// localized dereferences an option's localization pointer.
func localized(l *opcodes.Localizations) opcodes.Localizations {
	if l == nil {
		return nil
	}
	return *l
}

// clearValueFields drops what only value options carry, as Discord ignores it on
// subcommands and groups.
func clearValueFields(o *opcodes.CommandOption) {
	o.Required, o.Choices, o.ChannelTypes, o.Autocomplete = false, nil, nil, false
	o.MinValue, o.MaxValue, o.MinLength, o.MaxLength = nil, nil, nil, nil
}

// checkValueOption applies each option type's own constraints and drops fields that do not
// belong to the type.
func checkValueOption(v *validator, f string, o *opcodes.CommandOption) {
	hasChoices := o.Type == opcodes.OptionString || o.Type == opcodes.OptionInteger || o.Type == opcodes.OptionNumber
	numeric := o.Type == opcodes.OptionInteger || o.Type == opcodes.OptionNumber
	if !hasChoices {
		o.Choices, o.Autocomplete = nil, false
	}
	if !numeric {
		o.MinValue, o.MaxValue = nil, nil
	}
	if o.Type != opcodes.OptionString {
		o.MinLength, o.MaxLength = nil, nil
	}
	if o.Type != opcodes.OptionChannel {
		o.ChannelTypes = nil
	}
	if o.Autocomplete && len(o.Choices) > 0 {
		v.add(f+".autocomplete", "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES", "Autocomplete cannot be enabled on an option with choices")
	}
	if len(o.Choices) > maxCommandChoices {
		v.add(f+".choices", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxCommandChoices))
	} else {
		for j := range o.Choices {
			checkChoice(v, fmt.Sprintf("%s.choices.%d", f, j), o.Type, &o.Choices[j])
			for k := range o.Choices[:j] {
				if o.Choices[k].Name == o.Choices[j].Name {
					v.add(fmt.Sprintf("%s.choices.%d.name", f, j), "APPLICATION_COMMAND_OPTION_CHOICE_NAME_ALREADY_EXISTS", "Choice names must be unique")
					break
				}
			}
		}
	}
	bound := func(field string, x *float64) {
		if x == nil {
			return
		}
		switch {
		case math.IsNaN(*x) || math.Abs(*x) > maxOptionNumber:
			v.add(field, "NUMBER_TYPE_MAX", "Value should be between -9007199254740992 and 9007199254740992.")
		case o.Type == opcodes.OptionInteger && *x != math.Trunc(*x):
			v.add(field, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value \"%v\" is not int.", *x))
		}
	}
	bound(f+".min_value", o.MinValue)
	bound(f+".max_value", o.MaxValue)
	if o.MinValue != nil && o.MaxValue != nil && *o.MinValue > *o.MaxValue {
		v.add(f+".min_value", "NUMBER_TYPE_MAX", "min_value must be less than or equal to max_value.")
	}
	if o.MinLength != nil && (*o.MinLength < 0 || *o.MinLength > maxOptionLength) {
		v.add(f+".min_length", "NUMBER_TYPE_MAX", "int value should be between 0 and 6000.")
	}
	if o.MaxLength != nil && (*o.MaxLength < 1 || *o.MaxLength > maxOptionLength) {
		v.add(f+".max_length", "NUMBER_TYPE_MAX", "int value should be between 1 and 6000.")
	}
	if o.MinLength != nil && o.MaxLength != nil && *o.MinLength > *o.MaxLength {
		v.add(f+".min_length", "NUMBER_TYPE_MAX", "min_length must be less than or equal to max_length.")
	}
	for j, t := range o.ChannelTypes {
		if !slices.Contains(validChannelTypes, t) {
			v.add(fmt.Sprintf("%s.channel_types.%d", f, j), "BASE_TYPE_CHOICES", "Value must be a valid channel type.")
		}
	}
}

// checkChoice validates a choice's name and that its value has the option's type, and
// stores the value in compact form.
func checkChoice(v *validator, f string, t opcodes.CommandOptionType, c *opcodes.CommandChoice) {
	v.length(f+".name", c.Name, 1, maxChoiceNameLen)
	if l := localized(c.NameLocalizations); l != nil {
		for _, k := range sortedKeys(l) {
			if checkLocale(v, f+".name_localizations."+k, k) {
				v.length(f+".name_localizations."+k, l[k], 1, maxChoiceNameLen)
			}
		}
	}
	raw := bytes.TrimSpace(c.Value)
	switch t {
	case opcodes.OptionString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			v.add(f+".value", "BASE_TYPE_STRING", "Must be a string.")
			return
		}
		v.length(f+".value", s, 1, maxChoiceStringLen)
		c.Value, _ = json.Marshal(s)
	default:
		var n json.Number
		if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
			v.add(f+".value", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not a number.", string(raw)))
			return
		}
		if t == opcodes.OptionInteger {
			i, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil || i > maxOptionNumber || i < -maxOptionNumber {
				v.add(f+".value", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not int.", n.String()))
				return
			}
			c.Value = json.RawMessage(strconv.FormatInt(i, 10))
			return
		}
		x, err := n.Float64()
		if err != nil || math.Abs(x) > maxOptionNumber {
			v.add(f+".value", "NUMBER_TYPE_MAX", "Value should be between -9007199254740992 and 9007199254740992.")
			return
		}
		c.Value = json.RawMessage(n.String())
	}
}

// commandSize is what Discord counts against the 8000-character limit: each name,
// description and choice value, taking the longest of its localizations.
func commandSize(def *commandDef) int {
	n := longest(def.Name, def.NameLocalizations) + longest(def.Description, def.DescriptionLocalizations)
	var walk func([]opcodes.CommandOption)
	walk = func(opts []opcodes.CommandOption) {
		for _, o := range opts {
			n += longest(o.Name, localized(o.NameLocalizations)) + longest(o.Description, localized(o.DescriptionLocalizations))
			for _, c := range o.Choices {
				n += longest(c.Name, localized(c.NameLocalizations)) + valueLen(c.Value)
			}
			walk(o.Options)
		}
	}
	walk(def.Options)
	return n
}

func longest(s string, l opcodes.Localizations) int {
	n := utf8.RuneCountInString(s)
	for _, x := range l {
		n = max(n, utf8.RuneCountInString(x))
	}
	return n
}

// valueLen is a choice value's length as Discord counts it: a string's characters, a
// number's digits.
func valueLen(raw json.RawMessage) int {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return utf8.RuneCountInString(str)
	}
	return utf8.RuneCount(raw)
}
