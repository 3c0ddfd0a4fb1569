package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// optionCheck carries what matching a chat-input command's options needs and collects.
type optionCheck struct {
	v        *validator
	guildID  snowflake.ID
	resolved *opcodes.Resolved
	// autocomplete: the focused option may hold a partial value (any string or number), and
	// required options may still be missing.
	autocomplete bool
	focused      int
	// files are the request's uploads by files[n] index; attachments maps an attachment
	// option's value (the index) to the attachment's ID, which the bot gets instead.
	files       map[int]opcodes.Attachment
	attachments map[string]snowflake.ID
}

// rewritten returns the options as the application gets them: attachment values are the
// uploaded attachments' IDs.
func (oc *optionCheck) rewritten(opts []opcodes.InteractionOption) []opcodes.InteractionOption {
	if len(oc.attachments) == 0 {
		return opts
	}
	out := make([]opcodes.InteractionOption, len(opts))
	for i, o := range opts {
		out[i] = o
		if o.Type == opcodes.OptionAttachment {
			if id, ok := oc.attachments[string(o.Value)]; ok {
				out[i].Value, _ = json.Marshal(id.String())
			}
		}
		if len(o.Options) > 0 {
			out[i].Options = oc.rewritten(o.Options)
		}
	}
	return out
}

// checkInteractionOptions matches the user's options against the command's definition
// (names, types, required, value types and constraints) and fills resolved for user,
// channel, role and attachment values.
func (s *Service) checkInteractionOptions(ctx context.Context, oc *optionCheck, field string, defs []opcodes.CommandOption, got []opcodes.InteractionOption) error {
	v := oc.v
	seen := map[string]bool{}
	for i, o := range got {
		f := fmt.Sprintf("%s.%d", field, i)
		var d *opcodes.CommandOption
		for j := range defs {
			if defs[j].Name == o.Name {
				d = &defs[j]
			}
		}
		if d == nil || seen[o.Name] {
			v.add(f+".name", "APPLICATION_COMMAND_OPTION_UNKNOWN", "Unknown option")
			continue
		}
		seen[o.Name] = true
		if o.Type != d.Type {
			v.add(f+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", fmt.Sprintf("Option type must be %d.", d.Type))
			continue
		}
		if d.Type == opcodes.OptionSubCommand || d.Type == opcodes.OptionSubCommandGroup {
			if len(got) != 1 {
				v.add(field, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Exactly one subcommand must be given.")
			}
			if err := s.checkInteractionOptions(ctx, oc, f+".options", d.Options, o.Options); err != nil {
				return err
			}
			continue
		}
		if o.Focused {
			oc.focused++
			if !oc.autocomplete || !d.Autocomplete {
				v.add(f+".focused", "APPLICATION_COMMAND_AUTOCOMPLETE_FOCUSED_INVALID", "Only an autocomplete option may be focused.")
				continue
			}
			if !partialValue(d.Type, o.Value) {
				v.add(f+".value", "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Value must be a string or a number.")
			}
			continue
		}
		if err := s.checkOptionValue(ctx, oc, f+".value", d, o.Value); err != nil {
			return err
		}
	}
	for _, d := range defs {
		if d.Type == opcodes.OptionSubCommand || d.Type == opcodes.OptionSubCommandGroup {
			if len(got) == 0 {
				v.add(field, "BASE_TYPE_REQUIRED", "This field is required")
				return nil
			}
			continue
		}
		if d.Required && !seen[d.Name] && !oc.autocomplete {
			v.add(field, "APPLICATION_COMMAND_OPTION_REQUIRED", fmt.Sprintf("Option %q is required.", d.Name))
		}
	}
	return nil
}

// partialValue accepts what a user may have typed so far into an autocomplete option: a
// string (at most 6000 characters) for string options, a number or a string for numeric ones.
func partialValue(t opcodes.CommandOptionType, raw json.RawMessage) bool {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return len([]rune(str)) <= 6000
	}
	var x float64
	return t != opcodes.OptionString && json.Unmarshal(raw, &x) == nil
}

// checkOptionValue checks one value against its option's type and constraints.
func (s *Service) checkOptionValue(ctx context.Context, oc *optionCheck, f string, d *opcodes.CommandOption, raw json.RawMessage) error {
	v := oc.v
	bad := func(msg string) { v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", msg) }
	switch d.Type {
	case opcodes.OptionString:
		var x string
		if json.Unmarshal(raw, &x) != nil {
			bad("Value must be a string.")
			return nil
		}
		n := len([]rune(x))
		if (d.MinLength != nil && n < *d.MinLength) || (d.MaxLength != nil && n > *d.MaxLength) || n > 6000 {
			bad("Value has the wrong length.")
		}
	case opcodes.OptionInteger, opcodes.OptionNumber:
		var x float64
		if json.Unmarshal(raw, &x) != nil || math.IsNaN(x) {
			bad("Value must be a number.")
			return nil
		}
		if d.Type == opcodes.OptionInteger && (x != math.Trunc(x) || math.Abs(x) > 1<<53) {
			bad("Value must be an integer.")
			return nil
		}
		if (d.MinValue != nil && x < *d.MinValue) || (d.MaxValue != nil && x > *d.MaxValue) {
			bad("Value is out of range.")
		}
	case opcodes.OptionBoolean:
		var x bool
		if json.Unmarshal(raw, &x) != nil {
			bad("Value must be a boolean.")
		}
		return nil
	case opcodes.OptionUser, opcodes.OptionChannel, opcodes.OptionRole, opcodes.OptionMentionable:
		var x snowflake.ID
		if json.Unmarshal(raw, &x) != nil || x == 0 {
			bad("Value must be a snowflake.")
			return nil
		}
		return s.resolveOption(ctx, v, f, oc.guildID, d, x, oc.resolved)
	case opcodes.OptionAttachment:
		// The value is the files[n] index of an upload of this request.
		var idx int
		var str string
		if json.Unmarshal(raw, &str) == nil {
			n, err := strconv.Atoi(str)
			if err != nil {
				bad("Value must be an attachment index.")
				return nil
			}
			idx = n
		} else if json.Unmarshal(raw, &idx) != nil {
			bad("Value must be an attachment index.")
			return nil
		}
		a, ok := oc.files[idx]
		if !ok {
			bad("Unknown attachment.")
			return nil
		}
		if oc.resolved.Attachments == nil {
			oc.resolved.Attachments = map[snowflake.ID]opcodes.Attachment{}
		}
		oc.resolved.Attachments[a.ID] = a
		if oc.attachments == nil {
			oc.attachments = map[string]snowflake.ID{}
		}
		oc.attachments[string(raw)] = a.ID
		return nil
	default:
		bad("Option type is not supported.")
		return nil
	}
	if len(d.Choices) > 0 {
		ok := false
		for _, c := range d.Choices {
			var a, b any
			if json.Unmarshal(c.Value, &a) == nil && json.Unmarshal(raw, &b) == nil && a == b {
				ok = true
			}
		}
		if !ok {
			bad("Value must be one of the option's choices.")
		}
	}
	return nil
}

// resolveOption checks that a user, channel or role value exists (in the guild) and adds it
// to resolved.
func (s *Service) resolveOption(ctx context.Context, v *validator, f string, guildID snowflake.ID, d *opcodes.CommandOption, id snowflake.ID, resolved *opcodes.Resolved) error {
	if d.Type == opcodes.OptionUser || d.Type == opcodes.OptionMentionable {
		u, err := s.getUser(ctx, id)
		if err == nil {
			if resolved.Users == nil {
				resolved.Users = map[snowflake.ID]opcodes.User{}
			}
			resolved.Users[id] = userShape(u)
			if guildID == 0 {
				return nil
			}
			if m, err := s.store.Members().Get(ctx, guildID, id); err == nil {
				ms := memberShape(m, nil)
				if resolved.Members == nil {
					resolved.Members = map[snowflake.ID]opcodes.Member{}
				}
				resolved.Members[id] = ms
			} else if !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("load member: %w", err)
			}
			return nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("load user: %w", err)
		}
		if d.Type == opcodes.OptionUser {
			v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Unknown user.")
			return nil
		}
	}
	if d.Type == opcodes.OptionRole || d.Type == opcodes.OptionMentionable {
		r, err := s.store.Roles().Get(ctx, guildID, id)
		if err == nil && guildID != 0 {
			if resolved.Roles == nil {
				resolved.Roles = map[snowflake.ID]opcodes.Role{}
			}
			resolved.Roles[id] = roleShape(r)
			return nil
		} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("load role: %w", err)
		}
		v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Unknown role.")
		return nil
	}
	ch, err := s.store.Channels().Get(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("load channel: %w", err)
	}
	if err != nil || ch.GuildID != guildID || (len(d.ChannelTypes) > 0 && !containsType(d.ChannelTypes, opcodes.ChannelType(ch.Type))) {
		v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Unknown channel.")
		return nil
	}
	if resolved.Channels == nil {
		resolved.Channels = map[snowflake.ID]opcodes.Channel{}
	}
	resolved.Channels[id] = channelShape(ch)
	return nil
}

func containsType(ts []opcodes.ChannelType, t opcodes.ChannelType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}
