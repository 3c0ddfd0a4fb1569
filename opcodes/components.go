package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// ComponentType is a message or modal component's type (Discord's components/reference).
type ComponentType int

// Component types. 1–8 are the original ("v1") components; 9–14 and 17 need the message flag
// IS_COMPONENTS_V2; 18, 19 and 21–23 appear only in modals.
const (
	ComponentActionRow         ComponentType = 1
	ComponentButton            ComponentType = 2
	ComponentStringSelect      ComponentType = 3
	ComponentTextInput         ComponentType = 4
	ComponentUserSelect        ComponentType = 5
	ComponentRoleSelect        ComponentType = 6
	ComponentMentionableSelect ComponentType = 7
	ComponentChannelSelect     ComponentType = 8
	ComponentSection           ComponentType = 9
	ComponentTextDisplay       ComponentType = 10
	ComponentThumbnail         ComponentType = 11
	ComponentMediaGallery      ComponentType = 12
	ComponentFile              ComponentType = 13
	ComponentSeparator         ComponentType = 14
	ComponentContainer         ComponentType = 17
	ComponentLabel             ComponentType = 18
	ComponentFileUpload        ComponentType = 19
	ComponentRadioGroup        ComponentType = 21
	ComponentCheckboxGroup     ComponentType = 22
	ComponentCheckbox          ComponentType = 23
)

// IsSelect reports whether t is one of the five select menus, which fill an action row alone.
func (t ComponentType) IsSelect() bool {
	switch t {
	case ComponentStringSelect, ComponentUserSelect, ComponentRoleSelect, ComponentMentionableSelect, ComponentChannelSelect:
		return true
	}
	return false
}

// Button styles. Link buttons carry a url and premium buttons a sku_id instead of a custom_id;
// neither sends an interaction.
const (
	ButtonPrimary   = 1
	ButtonSecondary = 2
	ButtonSuccess   = 3
	ButtonDanger    = 4
	ButtonLink      = 5
	ButtonPremium   = 6
)

// Text input styles.
const (
	TextInputShort     = 1
	TextInputParagraph = 2
)

// ComponentEmoji is the partial emoji of a button or select option.
type ComponentEmoji struct {
	ID       *snowflake.ID `json:"id,omitempty"`
	Name     string        `json:"name"`
	Animated bool          `json:"animated,omitempty"`
}

// SelectOption is one choice of a string select.
type SelectOption struct {
	Label       string          `json:"label"`
	Value       string          `json:"value"`
	Description string          `json:"description,omitempty"`
	Emoji       *ComponentEmoji `json:"emoji,omitempty"`
	Default     bool            `json:"default,omitempty"`
}

// SelectDefaultValue pre-selects a user, role or channel in an entity select.
type SelectDefaultValue struct {
	ID   snowflake.ID `json:"id"`
	Type string       `json:"type"`
}

// UnfurledMedia is a url (or attachment://<filename>) that a thumbnail, gallery item or file
// displays. Only URL is settable; the server fills the rest in responses.
type UnfurledMedia struct {
	ID           snowflake.ID  `json:"id,omitempty"`
	URL          string        `json:"url"`
	ProxyURL     string        `json:"proxy_url,omitempty"`
	Width        *int          `json:"width,omitempty"`
	Height       *int          `json:"height,omitempty"`
	ContentType  *string       `json:"content_type,omitempty"`
	AttachmentID *snowflake.ID `json:"attachment_id,omitempty"`
}

// MediaGalleryItem is one picture of a media gallery.
type MediaGalleryItem struct {
	Media       UnfurledMedia `json:"media"`
	Description *string       `json:"description"`
	Spoiler     bool          `json:"spoiler"`
}

// Component is any message or modal component. Requests decode into it whatever their type
// (it has every field of every type); MarshalJSON writes only the fields of Type, in the
// shape Discord returns, so a stored component reads back as Discord would answer it.
type Component struct {
	Type ComponentType `json:"type"`
	// ID is the optional 32-bit identifier; 0 means "assign one".
	ID int64 `json:"id"`

	CustomID string          `json:"custom_id"`
	Style    int             `json:"style"`
	Label    string          `json:"label"`
	Emoji    *ComponentEmoji `json:"emoji"`
	SKUID    *snowflake.ID   `json:"sku_id"`
	URL      string          `json:"url"`
	Disabled bool            `json:"disabled"`

	Options       []SelectOption       `json:"options"`
	Placeholder   string               `json:"placeholder"`
	MinValues     *int                 `json:"min_values"`
	MaxValues     *int                 `json:"max_values"`
	Required      *bool                `json:"required"`
	DefaultValues []SelectDefaultValue `json:"default_values"`
	ChannelTypes  []ChannelType        `json:"channel_types"`

	MinLength *int    `json:"min_length"`
	MaxLength *int    `json:"max_length"`
	Value     *string `json:"value"`

	// Components are the children of an action row, section or container.
	Components []Component `json:"components"`
	// Accessory is a section's button or thumbnail.
	Accessory *Component `json:"accessory"`
	// Component is a label's one child.
	Component *Component `json:"component"`

	Content     string             `json:"content"`
	Media       *UnfurledMedia     `json:"media"`
	Description *string            `json:"description"`
	Spoiler     bool               `json:"spoiler"`
	Items       []MediaGalleryItem `json:"items"`
	File        *UnfurledMedia     `json:"file"`
	Name        *string            `json:"name"`
	Size        *int               `json:"size"`
	Divider     *bool              `json:"divider"`
	Spacing     *int               `json:"spacing"`
	AccentColor *int               `json:"accent_color"`
	FileTypes   []string           `json:"file_types"`
	Default     bool               `json:"default"`
}

// MarshalJSON writes the fields Type has, with the defaults Discord fills in (select
// min/max_values, separator spacing/divider, container accent_color/spoiler, …).
func (c Component) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": c.Type, "id": c.ID}
	opt := func(k string, set bool, v any) {
		if set {
			m[k] = v
		}
	}
	one := func(p *int) int {
		if p == nil {
			return 1
		}
		return *p
	}
	switch c.Type {
	case ComponentActionRow:
		m["components"] = nonNil(c.Components)
	case ComponentButton:
		m["style"] = c.Style
		opt("custom_id", c.CustomID != "", c.CustomID)
		opt("label", c.Label != "", c.Label)
		opt("emoji", c.Emoji != nil, c.Emoji)
		opt("url", c.URL != "", c.URL)
		opt("sku_id", c.SKUID != nil, c.SKUID)
		opt("disabled", c.Disabled, true)
	case ComponentStringSelect, ComponentUserSelect, ComponentRoleSelect, ComponentMentionableSelect, ComponentChannelSelect:
		m["custom_id"] = c.CustomID
		m["min_values"], m["max_values"] = one(c.MinValues), one(c.MaxValues)
		opt("placeholder", c.Placeholder != "", c.Placeholder)
		opt("disabled", c.Disabled, true)
		opt("required", c.Required != nil, c.Required)
		if c.Type == ComponentStringSelect {
			m["options"] = nonNil(c.Options)
		} else {
			opt("default_values", len(c.DefaultValues) > 0, c.DefaultValues)
		}
		opt("channel_types", c.Type == ComponentChannelSelect && len(c.ChannelTypes) > 0, c.ChannelTypes)
	case ComponentTextInput:
		m["custom_id"], m["style"] = c.CustomID, c.Style
		opt("label", c.Label != "", c.Label)
		opt("placeholder", c.Placeholder != "", c.Placeholder)
		opt("value", c.Value != nil, c.Value)
		opt("required", c.Required != nil, c.Required)
		opt("min_length", c.MinLength != nil, c.MinLength)
		opt("max_length", c.MaxLength != nil, c.MaxLength)
	case ComponentSection:
		m["components"], m["accessory"] = nonNil(c.Components), c.Accessory
	case ComponentTextDisplay:
		m["content"] = c.Content
	case ComponentThumbnail:
		m["media"], m["description"], m["spoiler"] = c.Media, c.Description, c.Spoiler
	case ComponentMediaGallery:
		m["items"] = nonNil(c.Items)
	case ComponentFile:
		m["file"], m["name"], m["size"], m["spoiler"] = c.File, c.Name, c.Size, c.Spoiler
	case ComponentSeparator:
		divider := c.Divider == nil || *c.Divider
		m["spacing"], m["divider"] = one(c.Spacing), divider
	case ComponentContainer:
		m["components"], m["accent_color"], m["spoiler"] = nonNil(c.Components), c.AccentColor, c.Spoiler
	case ComponentLabel:
		m["label"], m["component"] = c.Label, c.Component
		opt("description", c.Description != nil, c.Description)
	case ComponentFileUpload:
		m["custom_id"] = c.CustomID
		opt("min_values", c.MinValues != nil, c.MinValues)
		opt("max_values", c.MaxValues != nil, c.MaxValues)
		opt("required", c.Required != nil, c.Required)
		opt("file_types", len(c.FileTypes) > 0, c.FileTypes)
	case ComponentRadioGroup, ComponentCheckboxGroup:
		m["custom_id"], m["options"] = c.CustomID, nonNil(c.Options)
		opt("required", c.Required != nil, c.Required)
		opt("min_values", c.Type == ComponentCheckboxGroup && c.MinValues != nil, c.MinValues)
		opt("max_values", c.Type == ComponentCheckboxGroup && c.MaxValues != nil, c.MaxValues)
	case ComponentCheckbox:
		m["custom_id"] = c.CustomID
		opt("default", c.Default, true)
	}
	return json.Marshal(m)
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WalkComponents calls fn on every component of cs, depth first (a row before its children,
// a section's text before its accessory, a label before its child), and stops when fn
// returns false. fn may change the component. It is how a click finds the component it
// names by custom_id.
func WalkComponents(cs []Component, fn func(*Component) bool) bool {
	for i := range cs {
		if !walkComponent(&cs[i], fn) {
			return false
		}
	}
	return true
}

func walkComponent(c *Component, fn func(*Component) bool) bool {
	if !fn(c) || !WalkComponents(c.Components, fn) {
		return false
	}
	if c.Accessory != nil && !walkComponent(c.Accessory, fn) {
		return false
	}
	return c.Component == nil || walkComponent(c.Component, fn)
}
