package guilds

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/opcodes"
)

// Discord's component limits (components/reference, interactions/receiving-and-responding).
const (
	maxActionRows     = 5  // top-level rows of a message without IS_COMPONENTS_V2
	maxRowButtons     = 5  // buttons per action row
	maxV2Components   = 40 // every component of an IS_COMPONENTS_V2 message, nested ones too
	maxModalTopLevel  = 5  // top-level components of a modal
	maxCustomID       = 100
	maxButtonLabel    = 80
	maxButtonURL      = 512
	maxPlaceholder    = 150
	maxSelectValues   = 25 // options, min/max_values and default_values of a select
	maxOptionText     = 100
	maxTextDisplay    = 4000
	maxTextInput      = 4000
	maxInputHolder    = 100
	maxLabel          = 45 // a modal label's and a modal title's length
	maxLabelDesc      = 100
	maxMediaDesc      = 1024
	maxMediaURL       = 2048
	maxGalleryItems   = 10
	maxSectionTexts   = 3
	maxModalChoices   = 10 // radio and checkbox group options, file upload values
	maxComponentID    = math.MaxInt32
	maxEmojiName      = 32
	attachmentScheme  = "attachment://"
	maxAccentColor    = 0xFFFFFF
	unionChoicesCode  = "UNION_TYPE_CHOICES"
	customIDDupCode   = "COMPONENT_CUSTOM_ID_DUPLICATED"
	layoutWidthCode   = "COMPONENT_LAYOUT_WIDTH_EXCEEDED"
	legacyFieldsV2    = "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"
	interactiveDenied = "COMPONENT_INTERACTIVE_NOT_ALLOWED"
)

// componentRules says where components are being checked.
type componentRules struct {
	v2    bool // the message has IS_COMPONENTS_V2
	modal bool // a modal's components (MODAL callback)
	// passive refuses interactive components: a webhook no application owns may only send
	// link buttons and display components (Discord's with_components rule).
	passive bool
}

// componentCheck walks one message's or modal's components, collecting field errors.
type componentCheck struct {
	v         *validator
	r         componentRules
	customIDs map[string]bool
	ids       map[int64]string // explicit id → path of its first use
	total     int
}

// validateComponents checks a message's components (create, edit, webhook execute, interaction
// responses and follow-ups) under Discord's rules for flags (IS_COMPONENTS_V2 or not) and
// returns them normalised: missing ids assigned, message-only fields such as `required`
// dropped. field is the errors-tree path of the array ("components", "data.components").
func validateComponents(v *validator, field string, flags int, comps []opcodes.Component) []opcodes.Component {
	return checkComponents(v, field, componentRules{v2: flags&opcodes.MessageFlagIsComponentsV2 != 0}, comps)
}

// validateModal checks a MODAL (9) callback's data: custom_id 1–100, title 1–45 and 1–5
// top-level labels, text displays or (deprecated) action rows holding one text input.
// prefix is the errors-tree path of the data object ("data"). It returns the components
// normalised, ready to put in INTERACTION_MODAL_CREATE.
func validateModal(v *validator, prefix, customID, title string, comps []opcodes.Component) []opcodes.Component {
	checkCustomID(v, prefix+".custom_id", customID)
	if n := len([]rune(title)); n < 1 || n > maxLabel {
		v.length(prefix+".title", title, 1, maxLabel)
	}
	field := prefix + ".components"
	if len(comps) < 1 || len(comps) > maxModalTopLevel {
		v.add(field, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxModalTopLevel))
		return comps
	}
	return checkComponents(v, field, componentRules{modal: true}, comps)
}

func checkComponents(v *validator, field string, r componentRules, comps []opcodes.Component) []opcodes.Component {
	c := &componentCheck{v: v, r: r, customIDs: map[string]bool{}, ids: map[int64]string{}}
	if !r.v2 && !r.modal && len(comps) > maxActionRows {
		v.add(field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxActionRows))
		return comps
	}
	for i := range comps {
		c.topLevel(at(field, i), &comps[i])
	}
	if r.v2 && c.total > maxV2Components {
		v.add(field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxV2Components))
	}
	if len(v.fields) == 0 {
		assignComponentIDs(comps, c.ids)
	}
	return comps
}

func at(field string, i int) string { return field + "." + strconv.Itoa(i) }

// choices reports a component of a type not allowed where it stands, as Discord's union
// type error.
func (c *componentCheck) choices(f string, allowed ...opcodes.ComponentType) {
	s := make([]string, len(allowed))
	for i, t := range allowed {
		s[i] = strconv.Itoa(int(t))
	}
	c.v.add(f, unionChoicesCode, `Value of field "type" must be one of (`+strings.Join(s, ", ")+`).`)
}

// common checks what every component has: its id, and counts it.
func (c *componentCheck) common(f string, comp *opcodes.Component) {
	c.total++
	if comp.ID < 0 {
		c.v.add(f+".id", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 0.")
	} else if comp.ID > maxComponentID {
		c.v.add(f+".id", "NUMBER_TYPE_MAX", fmt.Sprintf("int value should be less than or equal to %d.", maxComponentID))
	} else if comp.ID != 0 {
		if _, dup := c.ids[comp.ID]; dup {
			c.v.add(f+".id", "COMPONENT_ID_DUPLICATED", "Component id cannot be duplicated")
		}
		c.ids[comp.ID] = f
	}
}

var (
	v1TopLevel    = []opcodes.ComponentType{opcodes.ComponentActionRow}
	v2TopLevel    = []opcodes.ComponentType{opcodes.ComponentActionRow, opcodes.ComponentSection, opcodes.ComponentTextDisplay, opcodes.ComponentMediaGallery, opcodes.ComponentFile, opcodes.ComponentSeparator, opcodes.ComponentContainer}
	containerKids = []opcodes.ComponentType{opcodes.ComponentActionRow, opcodes.ComponentTextDisplay, opcodes.ComponentSection, opcodes.ComponentMediaGallery, opcodes.ComponentSeparator, opcodes.ComponentFile}
	modalTopLevel = []opcodes.ComponentType{opcodes.ComponentActionRow, opcodes.ComponentTextDisplay, opcodes.ComponentLabel}
	labelKids     = []opcodes.ComponentType{opcodes.ComponentTextInput, opcodes.ComponentStringSelect, opcodes.ComponentUserSelect, opcodes.ComponentRoleSelect, opcodes.ComponentMentionableSelect, opcodes.ComponentChannelSelect, opcodes.ComponentFileUpload, opcodes.ComponentRadioGroup, opcodes.ComponentCheckboxGroup, opcodes.ComponentCheckbox}
	rowKids       = []opcodes.ComponentType{opcodes.ComponentButton, opcodes.ComponentStringSelect, opcodes.ComponentUserSelect, opcodes.ComponentRoleSelect, opcodes.ComponentMentionableSelect, opcodes.ComponentChannelSelect}
	accessories   = []opcodes.ComponentType{opcodes.ComponentButton, opcodes.ComponentThumbnail}
)

func (c *componentCheck) topLevel(f string, comp *opcodes.Component) {
	switch {
	case c.r.modal:
		switch comp.Type {
		case opcodes.ComponentActionRow:
			c.modalRow(f, comp)
		case opcodes.ComponentTextDisplay:
			c.textDisplay(f, comp)
		case opcodes.ComponentLabel:
			c.label(f, comp)
		default:
			c.choices(f, modalTopLevel...)
		}
	case !c.r.v2:
		if comp.Type != opcodes.ComponentActionRow {
			c.choices(f, v1TopLevel...)
			return
		}
		c.actionRow(f, comp)
	case comp.Type == opcodes.ComponentContainer:
		c.container(f, comp)
	default:
		if !c.v2Content(f, comp) {
			c.choices(f, v2TopLevel...)
		}
	}
}

// v2Content checks a component that may stand at the top level of a V2 message or in a
// container; false means comp is none of those.
func (c *componentCheck) v2Content(f string, comp *opcodes.Component) bool {
	switch comp.Type {
	case opcodes.ComponentActionRow:
		c.actionRow(f, comp)
	case opcodes.ComponentSection:
		c.section(f, comp)
	case opcodes.ComponentTextDisplay:
		c.textDisplay(f, comp)
	case opcodes.ComponentMediaGallery:
		c.gallery(f, comp)
	case opcodes.ComponentFile:
		c.file(f, comp)
	case opcodes.ComponentSeparator:
		c.separator(f, comp)
	default:
		return false
	}
	return true
}

func (c *componentCheck) actionRow(f string, row *opcodes.Component) {
	c.common(f, row)
	kids := f + ".components"
	if len(row.Components) == 0 {
		c.v.add(kids, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxRowButtons))
		return
	}
	selects := 0
	for _, k := range row.Components {
		if k.Type.IsSelect() {
			selects++
		}
	}
	width := maxRowButtons
	if selects > 0 {
		width = 1 // a select fills its row alone
	}
	if len(row.Components) > width {
		for i := width; i < len(row.Components); i++ {
			c.v.add(at(kids, i), layoutWidthCode, "The specified component exceeds the maximum width")
		}
		return
	}
	for i := range row.Components {
		k := &row.Components[i]
		kf := at(kids, i)
		switch {
		case k.Type == opcodes.ComponentButton:
			c.button(kf, k)
		case k.Type.IsSelect():
			c.selectMenu(kf, k)
		default:
			c.choices(kf, rowKids...)
		}
	}
}

// modalRow is the deprecated modal layout: an action row holding one text input.
func (c *componentCheck) modalRow(f string, row *opcodes.Component) {
	c.common(f, row)
	if len(row.Components) != 1 {
		c.v.add(f+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length.")
		return
	}
	k := &row.Components[0]
	if k.Type != opcodes.ComponentTextInput {
		c.choices(f+".components.0", opcodes.ComponentTextInput)
		return
	}
	if k.Label == "" {
		c.v.required(f + ".components.0.label")
	}
	c.textInput(f+".components.0", k)
}

func (c *componentCheck) label(f string, l *opcodes.Component) {
	c.common(f, l)
	if n := len([]rune(l.Label)); n < 1 || n > maxLabel {
		c.v.length(f+".label", l.Label, 1, maxLabel)
	}
	if l.Description != nil {
		c.v.length(f+".description", *l.Description, 1, maxLabelDesc)
	}
	k := l.Component
	if k == nil {
		c.v.required(f + ".component")
		return
	}
	kf := f + ".component"
	switch {
	case k.Type == opcodes.ComponentTextInput:
		if k.Label != "" {
			// Inside a label the text input's own label is the label's.
			c.v.add(kf+".label", "BASE_TYPE_INVALID", "The label field is not allowed for text inputs in labels")
		}
		c.textInput(kf, k)
	case k.Type.IsSelect():
		c.selectMenu(kf, k)
	case k.Type == opcodes.ComponentFileUpload:
		c.fileUpload(kf, k)
	case k.Type == opcodes.ComponentRadioGroup, k.Type == opcodes.ComponentCheckboxGroup:
		c.choiceGroup(kf, k)
	case k.Type == opcodes.ComponentCheckbox:
		c.common(kf, k)
		c.customID(kf, k.CustomID)
	default:
		c.choices(kf, labelKids...)
	}
}

func (c *componentCheck) container(f string, box *opcodes.Component) {
	c.common(f, box)
	if box.AccentColor != nil && (*box.AccentColor < 0 || *box.AccentColor > maxAccentColor) {
		c.v.add(f+".accent_color", "NUMBER_TYPE_MAX", fmt.Sprintf("int value should be less than or equal to %d.", maxAccentColor))
	}
	if len(box.Components) == 0 {
		c.v.add(f+".components", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxV2Components))
		return
	}
	for i := range box.Components {
		kf := at(f+".components", i)
		if !c.v2Content(kf, &box.Components[i]) {
			c.choices(kf, containerKids...)
		}
	}
}

func (c *componentCheck) section(f string, s *opcodes.Component) {
	c.common(f, s)
	if n := len(s.Components); n < 1 || n > maxSectionTexts {
		c.v.add(f+".components", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxSectionTexts))
	}
	for i := range s.Components {
		if i >= maxSectionTexts {
			break
		}
		kf := at(f+".components", i)
		if s.Components[i].Type != opcodes.ComponentTextDisplay {
			c.choices(kf, opcodes.ComponentTextDisplay)
			continue
		}
		c.textDisplay(kf, &s.Components[i])
	}
	a := s.Accessory
	switch {
	case a == nil:
		c.v.required(f + ".accessory")
	case a.Type == opcodes.ComponentButton:
		c.button(f+".accessory", a)
	case a.Type == opcodes.ComponentThumbnail:
		c.thumbnail(f+".accessory", a)
	default:
		c.choices(f+".accessory", accessories...)
	}
}

func (c *componentCheck) textDisplay(f string, t *opcodes.Component) {
	c.common(f, t)
	if t.Content == "" {
		c.v.required(f + ".content")
	} else if len([]rune(t.Content)) > maxTextDisplay {
		c.v.length(f+".content", t.Content, 1, maxTextDisplay)
	}
}

func (c *componentCheck) thumbnail(f string, t *opcodes.Component) {
	c.common(f, t)
	c.media(f+".media", t.Media, false)
	c.mediaDescription(f+".description", t.Description)
}

func (c *componentCheck) gallery(f string, g *opcodes.Component) {
	c.common(f, g)
	if n := len(g.Items); n < 1 || n > maxGalleryItems {
		c.v.add(f+".items", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxGalleryItems))
		return
	}
	for i := range g.Items {
		it := &g.Items[i]
		itf := at(f+".items", i)
		c.media(itf+".media", &it.Media, false)
		c.mediaDescription(itf+".description", it.Description)
	}
}

func (c *componentCheck) file(f string, fc *opcodes.Component) {
	c.common(f, fc)
	// name and size are the API's to fill in.
	fc.Name, fc.Size = nil, nil
	c.media(f+".file", fc.File, true)
}

func (c *componentCheck) separator(f string, s *opcodes.Component) {
	c.common(f, s)
	if s.Spacing != nil && *s.Spacing != 1 && *s.Spacing != 2 {
		c.v.add(f+".spacing", "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
	}
}

// media checks an unfurled media item: a url of at most 2048 characters, http(s) or an
// attachment:// reference (the only kind a file component takes). Only url is settable.
func (c *componentCheck) media(f string, m *opcodes.UnfurledMedia, attachmentOnly bool) {
	if m == nil {
		c.v.required(f)
		return
	}
	*m = opcodes.UnfurledMedia{URL: m.URL}
	u := m.URL
	switch {
	case u == "":
		c.v.required(f + ".url")
	case len(u) > maxMediaURL:
		c.v.add(f+".url", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxMediaURL))
	case strings.HasPrefix(u, attachmentScheme) && len(u) > len(attachmentScheme):
	case attachmentOnly:
		c.v.add(f+".url", "UNFURLED_MEDIA_ITEM_ATTACHMENT_REQUIRED", "Only attachment:// references are supported for this media item")
	case !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://"):
		c.v.add(f+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
	}
}

func (c *componentCheck) mediaDescription(f string, d *string) {
	if d != nil && len([]rune(*d)) > maxMediaDesc {
		c.v.length(f, *d, 1, maxMediaDesc)
	}
}

// customID checks a custom_id's length and its uniqueness in the message or modal.
func (c *componentCheck) customID(f, id string) {
	if checkCustomID(c.v, f+".custom_id", id) {
		if c.customIDs[id] {
			c.v.add(f+".custom_id", customIDDupCode, "Component custom id cannot be duplicated")
		}
		c.customIDs[id] = true
	}
}

func checkCustomID(v *validator, field, id string) bool {
	if id == "" {
		v.required(field)
		return false
	}
	if len([]rune(id)) > maxCustomID {
		v.length(field, id, 1, maxCustomID)
		return false
	}
	return true
}

func (c *componentCheck) interactive(f string) bool {
	if c.r.passive {
		c.v.add(f, interactiveDenied, "Interactive components can only be sent by application-owned webhooks")
		return false
	}
	return true
}

func (c *componentCheck) button(f string, b *opcodes.Component) {
	c.common(f, b)
	if c.r.modal {
		c.choices(f, labelKids...)
		return
	}
	if len([]rune(b.Label)) > maxButtonLabel {
		c.v.add(f+".label", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxButtonLabel))
	}
	if b.Emoji != nil {
		c.emoji(f+".emoji", b.Emoji)
	}
	switch b.Style {
	case opcodes.ButtonPrimary, opcodes.ButtonSecondary, opcodes.ButtonSuccess, opcodes.ButtonDanger:
		if !c.interactive(f) {
			return
		}
		if b.URL != "" {
			c.v.add(f+".url", "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url can only be set on link buttons")
		}
		if b.SKUID != nil {
			c.v.add(f+".sku_id", "BUTTON_COMPONENT_SKU_ID_NOT_ALLOWED", "A sku_id can only be set on premium buttons")
		}
		if b.CustomID == "" {
			c.v.add(f+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id is required")
			return
		}
		c.customID(f, b.CustomID)
	case opcodes.ButtonLink:
		if b.CustomID != "" {
			c.v.add(f+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE", "A custom id and url cannot both be specified")
		}
		switch {
		case b.URL == "":
			c.v.add(f+".url", "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
		case len(b.URL) > maxButtonURL:
			c.v.add(f+".url", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxButtonURL))
		case !validButtonURL(b.URL):
			c.v.add(f+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
		if b.SKUID != nil {
			c.v.add(f+".sku_id", "BUTTON_COMPONENT_SKU_ID_NOT_ALLOWED", "A sku_id can only be set on premium buttons")
		}
	case opcodes.ButtonPremium:
		if !c.interactive(f) {
			return
		}
		if b.SKUID == nil || *b.SKUID == 0 {
			c.v.add(f+".sku_id", "BUTTON_COMPONENT_SKU_ID_REQUIRED", "A sku_id is required")
		}
		for _, bad := range []struct {
			field string
			set   bool
		}{{"custom_id", b.CustomID != ""}, {"label", b.Label != ""}, {"url", b.URL != ""}, {"emoji", b.Emoji != nil}} {
			if bad.set {
				c.v.add(f+"."+bad.field, "BUTTON_COMPONENT_PREMIUM_FIELD_NOT_ALLOWED", "Premium buttons cannot have a "+bad.field)
			}
		}
	default:
		c.v.add(f+".style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
	}
}

// validButtonURL accepts the schemes Discord's link buttons open: http(s) and discord://.
func validButtonURL(u string) bool {
	for _, p := range []string{"https://", "http://", "discord://"} {
		if strings.HasPrefix(u, p) && len(u) > len(p) {
			return true
		}
	}
	return false
}

func (c *componentCheck) emoji(f string, e *opcodes.ComponentEmoji) {
	if e.Name == "" && e.ID == nil {
		c.v.required(f + ".name")
	}
	if len([]rune(e.Name)) > maxEmojiName {
		c.v.add(f+".name", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmojiName))
	}
	if e.ID == nil {
		e.Animated = false
	}
}

func (c *componentCheck) selectMenu(f string, s *opcodes.Component) {
	c.common(f, s)
	if !c.interactive(f) {
		return
	}
	c.customID(f, s.CustomID)
	if len([]rune(s.Placeholder)) > maxPlaceholder {
		c.v.add(f+".placeholder", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxPlaceholder))
	}
	lo, hi := 1, 1
	if s.MinValues != nil {
		lo = *s.MinValues
		c.intRange(f+".min_values", lo, 0, maxSelectValues)
	}
	if s.MaxValues != nil {
		hi = *s.MaxValues
		c.intRange(f+".max_values", hi, 1, maxSelectValues)
	}
	if lo > hi {
		c.v.add(f+".min_values", "SELECT_COMPONENT_MIN_VALUES_TOO_LARGE", "min_values must be less than or equal to max_values")
	}
	if c.r.modal {
		if s.Disabled {
			c.v.add(f+".disabled", "COMPONENT_DISABLED_NOT_ALLOWED", "Modal components cannot be disabled")
		}
		if (s.Required == nil || *s.Required) && s.MinValues != nil && *s.MinValues < 1 {
			c.v.add(f+".min_values", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 1.")
		}
	} else {
		s.Required = nil // ignored in messages
	}
	if s.Type == opcodes.ComponentStringSelect {
		c.selectOptions(f, s, hi)
	} else {
		s.Options = nil
		c.defaultValues(f, s, lo, hi)
	}
	if s.Type == opcodes.ComponentChannelSelect {
		for i, t := range s.ChannelTypes {
			if !knownChannelType(t) {
				c.v.add(at(f+".channel_types", i), "BASE_TYPE_CHOICES", "Value must be a channel type.")
			}
		}
	} else {
		s.ChannelTypes = nil
	}
}

func (c *componentCheck) selectOptions(f string, s *opcodes.Component, hi int) {
	of := f + ".options"
	if n := len(s.Options); n < 1 || n > maxSelectValues {
		c.v.add(of, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxSelectValues))
		return
	}
	if hi > len(s.Options) {
		c.v.add(of, "BASE_TYPE_MIN_LENGTH", fmt.Sprintf("Must be %d or more in length.", hi))
	}
	seen := map[string]bool{}
	defaults := 0
	for i := range s.Options {
		o := &s.Options[i]
		f := at(of, i)
		c.v.length(f+".label", o.Label, 1, maxOptionText)
		c.v.length(f+".value", o.Value, 1, maxOptionText)
		if len([]rune(o.Description)) > maxOptionText {
			c.v.add(f+".description", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxOptionText))
		}
		if o.Emoji != nil {
			c.emoji(f+".emoji", o.Emoji)
		}
		if seen[o.Value] {
			c.v.add(f+".value", "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Select component option values must be unique")
		}
		seen[o.Value] = true
		if o.Default {
			defaults++
		}
	}
	if defaults > hi {
		c.v.add(of, "SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES", "Too many default values")
	}
}

// defaultValues checks an entity select's default_values: a count within min/max_values,
// each of the select's kind.
func (c *componentCheck) defaultValues(f string, s *opcodes.Component, lo, hi int) {
	if len(s.DefaultValues) == 0 {
		return
	}
	df := f + ".default_values"
	if n := len(s.DefaultValues); n > hi || n < lo {
		c.v.add(df, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", lo, hi))
		return
	}
	kinds := map[opcodes.ComponentType][]string{
		opcodes.ComponentUserSelect:        {"user"},
		opcodes.ComponentRoleSelect:        {"role"},
		opcodes.ComponentMentionableSelect: {"user", "role"},
		opcodes.ComponentChannelSelect:     {"channel"},
	}[s.Type]
	for i, d := range s.DefaultValues {
		ok := false
		for _, k := range kinds {
			ok = ok || d.Type == k
		}
		if !ok {
			c.v.add(at(df, i)+".type", "BASE_TYPE_CHOICES", "Value must be one of ("+strings.Join(kinds, ", ")+").")
		}
		if d.ID == 0 {
			c.v.required(at(df, i) + ".id")
		}
	}
}

func (c *componentCheck) textInput(f string, t *opcodes.Component) {
	c.common(f, t)
	c.customID(f, t.CustomID)
	if t.Style != opcodes.TextInputShort && t.Style != opcodes.TextInputParagraph {
		c.v.add(f+".style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
	}
	if len([]rune(t.Label)) > maxLabel {
		c.v.add(f+".label", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxLabel))
	}
	if len([]rune(t.Placeholder)) > maxInputHolder {
		c.v.add(f+".placeholder", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxInputHolder))
	}
	if t.Value != nil && len([]rune(*t.Value)) > maxTextInput {
		c.v.add(f+".value", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxTextInput))
	}
	if t.MinLength != nil {
		c.intRange(f+".min_length", *t.MinLength, 0, maxTextInput)
	}
	if t.MaxLength != nil {
		c.intRange(f+".max_length", *t.MaxLength, 1, maxTextInput)
	}
	if t.MinLength != nil && t.MaxLength != nil && *t.MinLength > *t.MaxLength {
		c.v.add(f+".min_length", "TEXT_INPUT_MIN_LENGTH_TOO_LARGE", "min_length must be less than or equal to max_length")
	}
}

func (c *componentCheck) fileUpload(f string, u *opcodes.Component) {
	c.common(f, u)
	c.customID(f, u.CustomID)
	if u.MinValues != nil {
		c.intRange(f+".min_values", *u.MinValues, 0, maxModalChoices)
	}
	if u.MaxValues != nil {
		c.intRange(f+".max_values", *u.MaxValues, 1, maxModalChoices)
	}
	if len(u.FileTypes) > maxModalChoices {
		c.v.add(f+".file_types", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxModalChoices))
	}
}

// choiceGroup is a radio group (2–10 options, one chosen) or a checkbox group (1–10).
func (c *componentCheck) choiceGroup(f string, g *opcodes.Component) {
	c.common(f, g)
	c.customID(f, g.CustomID)
	least := 1
	if g.Type == opcodes.ComponentRadioGroup {
		least = 2
	} else {
		if g.MinValues != nil {
			c.intRange(f+".min_values", *g.MinValues, 0, maxModalChoices)
		}
		if g.MaxValues != nil {
			c.intRange(f+".max_values", *g.MaxValues, 1, maxModalChoices)
		}
	}
	if n := len(g.Options); n < least || n > maxModalChoices {
		c.v.add(f+".options", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", least, maxModalChoices))
		return
	}
	seen := map[string]bool{}
	for i := range g.Options {
		o := &g.Options[i]
		of := at(f+".options", i)
		c.v.length(of+".label", o.Label, 1, maxOptionText)
		c.v.length(of+".value", o.Value, 1, maxOptionText)
		if len([]rune(o.Description)) > maxOptionText {
			c.v.add(of+".description", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxOptionText))
		}
		if seen[o.Value] {
			c.v.add(of+".value", "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Option values must be unique")
		}
		seen[o.Value] = true
		o.Emoji = nil
	}
}

func (c *componentCheck) intRange(f string, n, lo, hi int) {
	if n < lo {
		c.v.add(f, "NUMBER_TYPE_MIN", fmt.Sprintf("int value should be greater than or equal to %d.", lo))
	} else if n > hi {
		c.v.add(f, "NUMBER_TYPE_MAX", fmt.Sprintf("int value should be less than or equal to %d.", hi))
	}
}

func knownChannelType(t opcodes.ChannelType) bool {
	switch t {
	case 0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16:
		return true
	}
	return false
}

// assignComponentIDs gives every component without an id the next free one, depth first,
// skipping ids the request chose itself (Discord's rule).
func assignComponentIDs(comps []opcodes.Component, used map[int64]string) {
	next := int64(1)
	opcodes.WalkComponents(comps, func(c *opcodes.Component) bool {
		if c.ID == 0 {
			for used[next] != "" {
				next++
			}
			c.ID = next
			next++
		}
		return true
	})
}

// componentTexts is the markdown of a V2 message's text displays, which mentions are parsed
// from as they are from content.
func componentTexts(comps []opcodes.Component) string {
	var b strings.Builder
	opcodes.WalkComponents(comps, func(c *opcodes.Component) bool {
		if c.Type == opcodes.ComponentTextDisplay {
			b.WriteString(c.Content)
			b.WriteByte('\n')
		}
		return true
	})
	return b.String()
}

// hasInteractive reports whether comps hold anything a click can reach.
func hasInteractive(comps []opcodes.Component) bool {
	found := false
	opcodes.WalkComponents(comps, func(c *opcodes.Component) bool {
		found = c.CustomID != "" || (c.Type == opcodes.ComponentButton && c.Style == opcodes.ButtonPremium)
		return !found
	})
	return found
}
