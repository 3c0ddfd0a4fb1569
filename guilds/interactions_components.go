package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Component types a click or a modal submission can name.
const (
	componentActionRow     = 1
	componentButton        = 2
	componentStringSelect  = 3
	componentTextInput     = 4
	componentUserSelect    = 5
	componentRoleSelect    = 6
	componentMentionSelect = 7
	componentChannelSelect = 8
	componentLabel         = 18
	// componentDepth bounds how deep a walk of stored components goes (a container holds
	// sections that hold buttons: three levels in Discord's deepest layout).
	componentDepth = 8
)

// componentNode is what a walk needs of one component of a stored message or modal.
type componentNode struct {
	Type         int                      `json:"type"`
	CustomID     string                   `json:"custom_id"`
	Disabled     bool                     `json:"disabled"`
	Options      []struct{ Value string } `json:"options"`
	MinValues    *int                     `json:"min_values"`
	MaxValues    *int                     `json:"max_values"`
	ChannelTypes []opcodes.ChannelType    `json:"channel_types"`
	Value        *string                  `json:"value"`
	Values       []string                 `json:"values"`
	Components   []json.RawMessage        `json:"components"`
	Accessory    json.RawMessage          `json:"accessory"`
	Component    json.RawMessage          `json:"component"`
}

// walkComponents calls fn for every component in raw, depth first, children included
// (rows' and containers' components, sections' accessory, labels' component).
func walkComponents(raw []json.RawMessage, depth int, fn func(componentNode)) {
	if depth > componentDepth {
		return
	}
	for _, r := range raw {
		var c componentNode
		if json.Unmarshal(r, &c) != nil {
			continue
		}
		fn(c)
		walkComponents(c.Components, depth+1, fn)
		for _, one := range []json.RawMessage{c.Accessory, c.Component} {
			if len(one) > 0 && string(one) != "null" {
				walkComponents([]json.RawMessage{one}, depth+1, fn)
			}
		}
	}
}

// rawComponents re-encodes typed components for the walks above, which read stored messages.
func rawComponents(comps []opcodes.Component) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(comps))
	for _, c := range comps {
		if b, err := json.Marshal(c); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// findComponent returns the interactive component with customID.
func findComponent(raw []json.RawMessage, customID string) (componentNode, bool) {
	var found componentNode
	ok := false
	walkComponents(raw, 0, func(c componentNode) {
		if !ok && c.CustomID == customID && c.Type != componentActionRow {
			found, ok = c, true
		}
	})
	return found, ok
}

// componentMessage loads the message a component is on: from the channel's history, or the
// invoker's own ephemeral message. It must be the application's.
func (s *Service) componentMessage(ctx context.Context, b *ixBuild, id snowflake.ID) (storage.Message, bool, error) {
	m, err := s.store.Messages().Get(ctx, b.ch.ID, id)
	ephemeral := false
	if errors.Is(err, storage.ErrNotFound) {
		em, eerr := s.store.Interactions().GetMessage(ctx, id, s.now())
		if eerr != nil {
			return storage.Message{}, false, notFound(eerr, ErrUnknownMessage, "load ephemeral message")
		}
		if em.UserID != b.user.ID {
			return storage.Message{}, false, ErrUnknownMessage
		}
		if err := json.Unmarshal(em.Data, &m); err != nil {
			return storage.Message{}, false, fmt.Errorf("decode ephemeral message: %w", err)
		}
		if m.ChannelID != b.ch.ID {
			return storage.Message{}, false, ErrUnknownMessage
		}
		ephemeral, err = true, nil
	}
	if err != nil {
		return storage.Message{}, false, notFound(err, ErrUnknownMessage, "load message")
	}
	if m.ApplicationID != b.app.ID && m.AuthorID != b.app.ID {
		return storage.Message{}, false, ErrUnknownMessage
	}
	return m, ephemeral, nil
}

// componentInteraction checks a click (type 3): the application's message in the channel
// (or the invoker's ephemeral one), a component on it with that custom_id, enabled, of the
// given type, and values the component allows; entity selects' values are resolved.
func (s *Service) componentInteraction(ctx context.Context, b *ixBuild, p InteractionParams) error {
	var v validator
	if p.MessageID == 0 {
		v.required("message_id")
	}
	if p.Data.CustomID == "" {
		v.required("data.custom_id")
	}
	if err := v.err(); err != nil {
		return err
	}
	m, ephemeral, err := s.componentMessage(ctx, b, p.MessageID)
	if err != nil {
		return err
	}
	var comps []json.RawMessage
	if len(m.Components) > 0 {
		_ = json.Unmarshal(m.Components, &comps)
	}
	c, ok := findComponent(comps, p.Data.CustomID)
	switch {
	case !ok:
		v.add("data.custom_id", "COMPONENT_UNKNOWN", "Unknown component.")
	case c.Disabled:
		v.add("data.custom_id", "COMPONENT_DISABLED", "This component is disabled.")
	case c.Type == componentTextInput:
		v.add("data.custom_id", "COMPONENT_UNKNOWN", "Unknown component.")
	case p.Data.ComponentType != 0 && p.Data.ComponentType != c.Type:
		v.add("data.component_type", "COMPONENT_TYPE_INVALID", fmt.Sprintf("Component type must be %d.", c.Type))
	}
	if err := v.err(); err != nil {
		return err
	}
	resolved := &opcodes.Resolved{}
	if err := s.checkSelectValues(ctx, &v, b.ch.GuildID, c, p.Data.Values, resolved); err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	shapes, err := s.messageShapes(ctx, b.app.ID, []storage.Message{m}, false)
	if err != nil {
		return err
	}
	data := &opcodes.InteractionData{CustomID: c.CustomID, ComponentType: c.Type}
	if c.Type != componentButton {
		data.Values = p.Data.Values
		if data.Values == nil {
			data.Values = []string{}
		}
	}
	if !resolvedEmpty(resolved) {
		data.Resolved = resolved
	}
	b.out.Data, b.out.Message = data, &shapes[0]
	b.doc.MessageID, b.doc.MessageEphemeral = m.ID, ephemeral
	return nil
}

// checkSelectValues applies a select's rules to the chosen values: a button takes none; a
// select takes between min_values (default 1) and max_values (default 1); a string select's
// values are among its options; entity selects' values are snowflakes of things that exist.
func (s *Service) checkSelectValues(ctx context.Context, v *validator, guildID snowflake.ID, c componentNode, values []string, resolved *opcodes.Resolved) error {
	if c.Type == componentButton {
		if len(values) > 0 {
			v.add("data.values", "BASE_TYPE_MAX_LENGTH", "A button has no values.")
		}
		return nil
	}
	lo, hi := 1, 1
	if c.MinValues != nil {
		lo = *c.MinValues
	}
	if c.MaxValues != nil {
		hi = *c.MaxValues
	}
	if len(values) < lo || len(values) > hi || len(values) > maxSelectValues {
		v.add("data.values", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", lo, hi))
		return nil
	}
	if c.Type == componentStringSelect {
		for i, val := range values {
			if !slices.ContainsFunc(c.Options, func(o struct{ Value string }) bool { return o.Value == val }) {
				v.add(fmt.Sprintf("data.values.%d", i), "BASE_TYPE_CHOICES", "Value is not one of the select's options.")
			}
		}
		return nil
	}
	d := opcodes.CommandOption{ChannelTypes: c.ChannelTypes}
	switch c.Type {
	case componentUserSelect:
		d.Type = opcodes.OptionUser
	case componentRoleSelect:
		d.Type = opcodes.OptionRole
	case componentMentionSelect:
		d.Type = opcodes.OptionMentionable
	case componentChannelSelect:
		d.Type = opcodes.OptionChannel
	default:
		v.add("data.component_type", "COMPONENT_TYPE_INVALID", "This component cannot be interacted with.")
		return nil
	}
	for i, val := range values {
		id, err := snowflake.Parse(val)
		if err != nil || id == 0 {
			v.add(fmt.Sprintf("data.values.%d", i), "BASE_TYPE_INVALID", "Value must be a snowflake.")
			continue
		}
		if err := s.resolveOption(ctx, v, fmt.Sprintf("data.values.%d", i), guildID, &d, id, resolved); err != nil {
			return err
		}
	}
	return nil
}

// modalInteraction checks a modal submission (type 5): data.id names the interaction whose
// response opened the modal (the same user and application, still live), data.custom_id is
// the modal's, and each submitted value belongs to one of its inputs (at most 4000
// characters). The new interaction remembers the one that opened the modal, and the
// component message if the modal came from a click.
func (s *Service) modalInteraction(ctx context.Context, b *ixBuild, p InteractionParams) error {
	var v validator
	if p.Data.ID == 0 {
		v.required("data.id")
	}
	if p.Data.CustomID == "" {
		v.required("data.custom_id")
	}
	if err := v.err(); err != nil {
		return err
	}
	st, err := s.store.Interactions().Get(ctx, p.Data.ID)
	if err != nil {
		return notFound(err, ErrUnknownInteraction, "load modal's interaction")
	}
	origin, err := decodeInteraction(st)
	if err != nil {
		return err
	}
	if origin.UserID != b.user.ID || origin.ApplicationID != b.app.ID || origin.ChannelID != b.ch.ID ||
		!s.now().Before(origin.ExpiresAt) || origin.doc.Modal == nil {
		return ErrUnknownInteraction
	}
	if p.Data.CustomID != origin.doc.Modal.CustomID {
		v.add("data.custom_id", "COMPONENT_UNKNOWN", "Unknown modal.")
		return v.err()
	}
	seen := map[string]bool{}
	walkComponents(p.Data.Components, 0, func(c componentNode) {
		if c.CustomID == "" {
			return
		}
		if !slices.Contains(origin.doc.Modal.Inputs, c.CustomID) || seen[c.CustomID] {
			v.add("data.components", "COMPONENT_UNKNOWN", fmt.Sprintf("Unknown component %q.", c.CustomID))
			return
		}
		seen[c.CustomID] = true
		if c.Value != nil && len([]rune(*c.Value)) > 4000 {
			v.add("data.components", "BASE_TYPE_MAX_LENGTH", "Must be 4000 or fewer in length.")
		}
	})
	if err := v.err(); err != nil {
		return err
	}
	u := userShape(b.user)
	trig := origin.metadata(u)
	b.doc.Triggering = &trig
	comps := p.Data.Components
	if comps == nil {
		comps = []json.RawMessage{}
	}
	b.out.Data = &opcodes.InteractionData{CustomID: p.Data.CustomID, Components: comps}
	if origin.doc.MessageID != 0 {
		b.doc.MessageID, b.doc.MessageEphemeral = origin.doc.MessageID, origin.doc.MessageEphemeral
		if m, _, err := s.componentMessage(ctx, b, origin.doc.MessageID); err == nil {
			if shapes, err := s.messageShapes(ctx, b.app.ID, []storage.Message{m}, false); err == nil {
				b.out.Message = &shapes[0]
			}
		}
	}
	return nil
}
