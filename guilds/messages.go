package guilds

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Discord's message limits.
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxEmbedChars    = 6000
	maxNonceLen      = 25
	bulkDeleteMaxAge = 14 * 24 * time.Hour
	nonceWindow      = 5 * time.Minute
)

// AllowedMentions is a message's allowed_mentions.
type AllowedMentions struct {
	Parse       *[]string      `json:"parse"`
	Users       []snowflake.ID `json:"users"`
	Roles       []snowflake.ID `json:"roles"`
	RepliedUser bool           `json:"replied_user"`
}

// MessageParams is POST /channels/{id}/messages (and a webhook execute's message part).
type MessageParams struct {
	Content          string                    `json:"content"`
	Nonce            json.RawMessage           `json:"nonce"`
	EnforceNonce     bool                      `json:"enforce_nonce"`
	TTS              bool                      `json:"tts"`
	Embeds           []opcodes.Embed           `json:"embeds"`
	Embed            *opcodes.Embed            `json:"embed"` // legacy single embed
	AllowedMentions  *AllowedMentions          `json:"allowed_mentions"`
	MessageReference *opcodes.MessageReference `json:"message_reference"`
	Components       []opcodes.Component       `json:"components"`
	StickerIDs       []snowflake.ID            `json:"sticker_ids"`
	Flags            int                       `json:"flags"`
	Poll             json.RawMessage           `json:"poll"`
	// Attachments describes Files (filename, description), matched by id = File.Index.
	Attachments []AttachmentParams `json:"attachments"`
	// Files are the uploaded files of a multipart request; they are not part of the JSON.
	Files []File `json:"-"`
}

// author is who a new message is from: a user, or a webhook posting under its own name.
type author struct {
	userID        snowflake.ID
	webhookID     snowflake.ID
	webhookName   string
	webhookAvatar *string
	applicationID snowflake.ID
	perms         opcodes.Permissions // in the channel
	// passive: a webhook no application owns, which may send only non-interactive components.
	passive bool
	// reply is set on an interaction response: the message is the bot's (author userID)
	// posted through the application's webhook.
	reply *interactionReply
	// forceID is the new message's ID when it must be a given one (a forum post's first
	// message has the thread's ID); zero mints one.
	forceID snowflake.ID
	// beforeStore runs once the message is valid, just before it is stored (a forum post
	// stores its thread there); an error aborts the message.
	beforeStore func() error
}

// interactionReply is what an interaction response adds to its message.
type interactionReply struct {
	flags    int  // set by the response itself (LOADING), beyond what a user may set
	deferred bool // a deferred response has no content yet
	meta     opcodes.MessageInteractionMetadata
	legacy   opcodes.MessageInteraction
	msgType  opcodes.MessageType
	// reference makes the message a reply (type 19) to a message of the channel.
	reference *storage.MessageReference
	// ephemeral messages are kept beside the interaction (never in history) and reach
	// only the invoker's sessions.
	ephemeral bool
	eph       ephemeralRef
}

// ephemeralRef says where an ephemeral message lives and who sees it.
type ephemeralRef struct {
	interactionID, userID snowflake.ID
	expires               time.Time
}

// storedInteraction is a message's Interaction document: interaction_metadata and the
// deprecated interaction.
type storedInteraction struct {
	Meta   *opcodes.MessageInteractionMetadata `json:"m,omitempty"`
	Legacy *opcodes.MessageInteraction         `json:"l,omitempty"`
}

var (
	userMention = regexp.MustCompile(`<@!?(\d{1,20})>`)
	roleMention = regexp.MustCompile(`<@&(\d{1,20})>`)
)

// validateEmbeds applies Discord's per-field and total embed limits.
func validateEmbeds(v *validator, embeds []opcodes.Embed) {
	if len(embeds) > maxEmbeds {
		v.add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
		return
	}
	total := 0
	n := func(s string) int { return len([]rune(s)) }
	for i, e := range embeds {
		f := fmt.Sprintf("embeds.%d.", i)
		check := func(field, val string, max int) {
			if n(val) > max {
				v.add(f+field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
			}
			total += n(val)
		}
		check("title", e.Title, 256)
		check("description", e.Description, 4096)
		if e.Footer != nil {
			check("footer.text", e.Footer.Text, 2048)
		}
		if e.Author != nil {
			check("author.name", e.Author.Name, 256)
		}
		if len(e.Fields) > 25 {
			v.add(f+"fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		for j, fl := range e.Fields {
			check(fmt.Sprintf("fields.%d.name", j), fl.Name, 256)
			check(fmt.Sprintf("fields.%d.value", j), fl.Value, 1024)
		}
		if e.Color != nil && (*e.Color < 0 || *e.Color > 0xFFFFFF) {
			v.add(f+"color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
	}
	if total > maxEmbedChars {
		v.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
}

// nonceCache remembers (author, nonce) → message for enforce_nonce. It is per node; a
// duplicate sent to another node within the window is not caught. order lists keys by
// insertion time, so expiring is a walk from its front that stops at the first live entry:
// O(expired) per call instead of a scan of the whole map.
type nonceCache struct {
	mu    sync.Mutex
	m     map[string]nonceEntry
	order []nonceKey
	head  int // order[:head] are consumed
}

type nonceEntry struct {
	channelID, messageID snowflake.ID
	at                   time.Time
}

type nonceKey struct {
	key string
	at  time.Time
}

var nonces = &nonceCache{m: make(map[string]nonceEntry)}

// expire drops entries older than the window. Caller holds mu.
func (c *nonceCache) expire(now time.Time) {
	for c.head < len(c.order) && now.Sub(c.order[c.head].at) > nonceWindow {
		k := c.order[c.head]
		// A key stored again later has a newer entry (and a later place in order).
		if e, ok := c.m[k.key]; ok && e.at.Equal(k.at) {
			delete(c.m, k.key)
		}
		c.order[c.head] = nonceKey{}
		c.head++
	}
	if c.head > 1024 && c.head*2 > len(c.order) {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
}

func (c *nonceCache) lookup(key string, now time.Time) (nonceEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	e, ok := c.m[key]
	if ok && now.Sub(e.at) > nonceWindow {
		return nonceEntry{}, false
	}
	return e, ok
}

func (c *nonceCache) store(key string, e nonceEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Times come from concurrent requests, so order is only nearly sorted; an entry behind a
	// younger one expires a little late, and lookup checks its age itself.
	c.m[key] = e
	c.order = append(c.order, nonceKey{key: key, at: e.at})
	c.expire(e.at)
}

// CreateMessage is POST /channels/{id}/messages.
func (s *Service) CreateMessage(ctx context.Context, actor, channelID snowflake.ID, p MessageParams) (opcodes.Message, error) {
	ch, perms, err := s.channelAccessCached(ctx, actor, channelID)
	if err != nil {
		return opcodes.Message{}, err
	}
	switch opcodes.ChannelType(ch.Type) {
	case opcodes.ChannelGuildCategory, opcodes.ChannelGuildForum, opcodes.ChannelGuildMedia:
		return opcodes.Message{}, ErrNonTextChannel
	}
	if !perms.Has(opcodes.PermSendMessages) {
		return opcodes.Message{}, ErrMissingPermissions
	}
	if err := s.threadBeforeSend(ctx, &ch, perms); err != nil {
		return opcodes.Message{}, err
	}
	return s.createMessage(ctx, ch, author{userID: actor, perms: perms}, p)
}

// createMessage validates, stores and publishes a message from a user or a webhook.
func (s *Service) createMessage(ctx context.Context, ch storage.Channel, a author, p MessageParams) (opcodes.Message, error) {
	var v validator
	if p.Embed != nil && len(p.Embeds) == 0 {
		p.Embeds = []opcodes.Embed{*p.Embed}
	}
	if n := len([]rune(p.Content)); n > maxContent {
		v.add("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
	}
	validateEmbeds(&v, p.Embeds)
	if len(p.StickerIDs) > 0 {
		// Parley has no stickers, so every sticker ID is unknown.
		v.add("sticker_ids", "STICKER_INVALID", "Invalid sticker")
	}
	nonce := normaliseNonce(&v, p.Nonce)
	creatableFlags := opcodes.MessageFlagSuppressEmbeds | opcodes.MessageFlagSuppressNotification | opcodes.MessageFlagIsComponentsV2
	if a.reply != nil {
		creatableFlags |= opcodes.MessageFlagEphemeral
	}
	if p.Flags&^creatableFlags != 0 {
		v.add("flags", "MESSAGE_FLAGS_INVALID", "Invalid message flags")
	}
	hasPoll := len(p.Poll) > 0 && string(p.Poll) != "null"
	v2 := p.Flags&opcodes.MessageFlagIsComponentsV2 != 0
	if v2 {
		refuseLegacyFields(&v, p.Content != "", len(p.Embeds) > 0, len(p.StickerIDs) > 0, hasPoll)
	} else if hasPoll {
		v.add("poll", "POLL_UNSUPPORTED", "Polls are not supported by this server")
	}
	comps := checkComponents(&v, "components", componentRules{v2: v2, passive: a.passive}, p.Components)
	if len(p.Files) > 0 && !a.perms.Has(opcodes.PermAttachFiles) {
		return opcodes.Message{}, ErrMissingPermissions
	}
	uploads, err := s.checkUploads(&v, p.Files, p.Attachments, 0, nil)
	if err != nil {
		return opcodes.Message{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.Message{}, err
	}
	deferred := a.reply != nil && a.reply.deferred
	if !deferred && strings.TrimSpace(p.Content) == "" && len(p.Embeds) == 0 && len(p.Components) == 0 && len(uploads) == 0 {
		return opcodes.Message{}, ErrEmptyMessage
	}
	hits, err := s.autoModCheck(ctx, ch, a, p.Content)
	if err != nil {
		return opcodes.Message{}, err
	}
	if autoModBlocks(hits) {
		s.runAutoMod(ctx, ch, a.userID, 0, p.Content, hits)
		return opcodes.Message{}, ErrAutoModBlocked
	}
	now := s.now()
	nonceKey := ""
	if p.EnforceNonce && len(nonce) > 0 {
		nonceKey = a.userID.String() + "/" + a.webhookID.String() + "/" + string(nonce)
		if e, ok := nonces.lookup(nonceKey, now); ok && e.channelID == ch.ID {
			if m, err := s.store.Messages().Get(ctx, ch.ID, e.messageID); err == nil {
				out, err := s.messageShapes(ctx, a.userID, []storage.Message{m}, false)
				if err == nil && len(out) == 1 {
					return out[0], nil
				}
			}
		}
	}
	id := a.forceID
	if id == 0 {
		id = s.ids.Next()
	}
	m := storage.Message{
		ID:            id,
		ChannelID:     ch.ID,
		GuildID:       ch.GuildID,
		AuthorID:      a.userID,
		WebhookID:     a.webhookID,
		WebhookName:   a.webhookName,
		WebhookAvatar: a.webhookAvatar,
		ApplicationID: a.applicationID,
		Type:          int(opcodes.MessageDefault),
		Content:       p.Content,
		TTS:           p.TTS && a.perms.Has(opcodes.PermSendTTSMessages),
		Nonce:         nonce,
		Flags:         p.Flags,
	}
	if a.reply != nil {
		m.Type = int(a.reply.msgType)
		m.Flags |= a.reply.flags
		m.Interaction, _ = json.Marshal(storedInteraction{Meta: &a.reply.meta, Legacy: &a.reply.legacy})
	}
	var refAuthor snowflake.ID
	if ref := p.MessageReference; ref != nil && ref.MessageID != nil {
		refCh := ch.ID
		if ref.ChannelID != nil {
			refCh = *ref.ChannelID
		}
		failIfMissing := ref.FailIfNotExists == nil || *ref.FailIfNotExists
		if !a.perms.Has(opcodes.PermReadMessageHistory) {
			return opcodes.Message{}, ErrMissingPermissions
		}
		target, err := s.store.Messages().Get(ctx, refCh, *ref.MessageID)
		switch {
		case err == nil && refCh == ch.ID:
			m.Type = int(opcodes.MessageReply)
			m.Reference = &storage.MessageReference{MessageID: target.ID, ChannelID: ch.ID, GuildID: ch.GuildID}
			refAuthor = target.AuthorID
		case failIfMissing:
			var vr validator
			vr.add("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
			return opcodes.Message{}, vr.err()
		}
	}
	if a.reply != nil && a.reply.reference != nil && m.Reference == nil {
		m.Type, m.Reference = int(opcodes.MessageReply), a.reply.reference
	}
	if len(p.Embeds) > 0 {
		for i := range p.Embeds {
			if p.Embeds[i].Type == "" {
				p.Embeds[i].Type = "rich"
			}
		}
		m.Embeds, _ = json.Marshal(p.Embeds)
	}
	mp := p
	if v2 {
		mp.Content = componentTexts(comps)
	}
	if err := s.resolveMentions(ctx, ch, a, mp, refAuthor, &m); err != nil {
		return opcodes.Message{}, err
	}
	// Files go in first, so a stored message never lists a missing file; if the message
	// write fails, they are removed again.
	metas, rows := s.assignUploads(ch.ID, m.ID, uploads)
	m.Attachments = encodeAttachments(metas)
	if len(comps) > 0 {
		s.linkMedia(&v, "components", comps, metas)
		if err := v.err(); err != nil {
			return opcodes.Message{}, err
		}
		m.Components, _ = json.Marshal(comps)
	}
	if err := s.putUploads(ctx, rows); err != nil {
		return opcodes.Message{}, err
	}
	if a.beforeStore != nil {
		if err := a.beforeStore(); err != nil {
			s.dropUploads(ctx, m.ID, rows)
			return opcodes.Message{}, err
		}
	}
	// Create also moves the channel's last_message_id, in the same transaction.
	if a.reply != nil && a.reply.ephemeral {
		err = s.putEphemeral(ctx, a.reply.eph, m)
	} else {
		err = s.store.Messages().Create(ctx, m)
	}
	if err != nil {
		s.dropUploads(ctx, m.ID, rows)
		return opcodes.Message{}, fmt.Errorf("create message: %w", err)
	}
	if nonceKey != "" {
		nonces.store(nonceKey, nonceEntry{channelID: ch.ID, messageID: m.ID, at: now})
	}
	out, err := s.messageShapes(ctx, a.userID, []storage.Message{m}, false)
	if err != nil {
		return opcodes.Message{}, err
	}
	if a.reply != nil && a.reply.ephemeral {
		s.publishEphemeral(ctx, opcodes.EventMessageCreate, ch, a.reply.eph.userID, out[0])
		return out[0], nil
	}
	s.publishMessage(ctx, opcodes.EventMessageCreate, ch, m, out[0])
	if len(hits) > 0 {
		s.runAutoMod(ctx, ch, a.userID, m.ID, m.Content, hits)
	}
	return out[0], nil
}

// refuseLegacyFields is Discord's answer to an IS_COMPONENTS_V2 message that also has content,
// embeds, stickers or a poll: text and media go in components instead.
func refuseLegacyFields(v *validator, content, embeds, stickers, poll bool) {
	for _, f := range []struct {
		name string
		set  bool
	}{{"content", content}, {"embeds", embeds}, {"sticker_ids", stickers}, {"poll", poll}} {
		if f.set {
			v.add(f.name, legacyFieldsV2, "The '"+f.name+"' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")
		}
	}
}

// normaliseNonce accepts an integer or a string of at most 25 characters.
func normaliseNonce(v *validator, raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if len(s) > maxNonceLen {
			v.add("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		return raw
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := n.Int64(); err == nil {
			return raw
		}
	}
	v.add("nonce", "BASE_TYPE_BAD_TYPE", "Must be an integer or a string.")
	return nil
}

// resolveMentions fills mentions as Discord parses them, filtered by allowed_mentions;
// @everyone/@here only count with MENTION_EVERYONE.
func (s *Service) resolveMentions(ctx context.Context, ch storage.Channel, a author, p MessageParams, refAuthor snowflake.ID, m *storage.Message) error {
	parseUsers, parseRoles, parseEveryone := true, true, true
	var allowUsers, allowRoles []snowflake.ID
	repliedUser := true
	if am := p.AllowedMentions; am != nil {
		parseUsers, parseRoles, parseEveryone = false, false, false
		if am.Parse != nil {
			for _, k := range *am.Parse {
				switch k {
				case "users":
					parseUsers = true
				case "roles":
					parseRoles = true
				case "everyone":
					parseEveryone = true
				default:
					var v validator
					v.add("allowed_mentions.parse", "BASE_TYPE_CHOICES", "Value must be one of ('roles', 'users', 'everyone').")
					return v.err()
				}
			}
		}
		if (parseUsers && len(am.Users) > 0) || (parseRoles && len(am.Roles) > 0) {
			var v validator
			v.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[\"users\"] and users: [ids...] are mutually exclusive.")
			return v.err()
		}
		allowUsers, allowRoles = am.Users, am.Roles
		repliedUser = am.RepliedUser
	}
	var users []snowflake.ID
	for _, mt := range userMention.FindAllStringSubmatch(p.Content, -1) {
		id, err := snowflake.Parse(mt[1])
		if err == nil && (parseUsers || slices.Contains(allowUsers, id)) {
			users = append(users, id)
		}
	}
	if refAuthor != 0 && repliedUser && refAuthor != a.userID {
		users = append(users, refAuthor)
	}
	users = dedupe(users)
	if ch.GuildID != 0 && len(users) > 0 {
		// Only members count; the permission cache knows who they are.
		gp, err := s.perms.get(ctx, ch.GuildID)
		if err != nil {
			return fmt.Errorf("load mentioned members: %w", err)
		}
		users = slices.DeleteFunc(users, func(id snowflake.ID) bool { _, ok := gp.members[id]; return !ok })
	} else if ch.GuildID == 0 {
		users = slices.DeleteFunc(users, func(id snowflake.ID) bool { return !slices.Contains(ch.Recipients, id) })
	}
	m.Mentions = users
	if ch.GuildID != 0 {
		var roles []snowflake.ID
		for _, mt := range roleMention.FindAllStringSubmatch(p.Content, -1) {
			id, err := snowflake.Parse(mt[1])
			if err != nil || !(parseRoles || slices.Contains(allowRoles, id)) {
				continue
			}
			r, err := s.store.Roles().Get(ctx, ch.GuildID, id)
			if err == nil && (r.Mentionable || a.perms.Has(opcodes.PermMentionEveryone)) {
				roles = append(roles, id)
			}
		}
		m.MentionRoles = dedupe(roles)
		if parseEveryone && (strings.Contains(p.Content, "@everyone") || strings.Contains(p.Content, "@here")) &&
			a.perms.Has(opcodes.PermMentionEveryone) {
			m.MentionEveryone = true
		}
	}
	return nil
}

// publishMessage sends MESSAGE_CREATE/UPDATE with the gateway extras (guild_id, member).
func (s *Service) publishMessage(ctx context.Context, name opcodes.EventName, ch storage.Channel, m storage.Message, out opcodes.Message) {
	d := out
	ct := opcodes.ChannelType(ch.Type)
	d.ChannelType = &ct
	ev := events.Event{Name: name, AuthorID: m.AuthorID, Mentions: m.Mentions}
	if ch.GuildID != 0 {
		d.GuildID = ptrID(ch.GuildID)
		if m.WebhookID == 0 {
			if mem, ok := s.cachedMember(ctx, ch.GuildID, m.AuthorID); ok {
				ms := memberShape(mem, nil)
				d.Member = &ms
			}
		}
		ev.GuildID, ev.ChannelID = ch.GuildID, ch.ID
		// The MESSAGE_CONTENT rule applies to guild messages: encode the stripped form once
		// here, where the rule lives; the gateway picks the form per session.
		stripped := d
		StripContent(&stripped)
		ev.Stripped = s.encode(name, stripped)
	} else {
		ev.UserIDs = ch.Recipients
	}
	s.publish(ctx, ev, d)
}

// cachedMember returns a member from the permission cache (loading the guild's entry if
// needed), falling back to the store.
func (s *Service) cachedMember(ctx context.Context, guildID, userID snowflake.ID) (storage.Member, bool) {
	if gp, err := s.perms.get(ctx, guildID); err == nil {
		mp, ok := gp.members[userID]
		return mp.member, ok
	}
	mem, err := s.store.Members().Get(ctx, guildID, userID)
	return mem, err == nil
}

// contentHidden reports whether viewer must see messages without content: a bot whose
// application lacks the MESSAGE_CONTENT flag (REST follows the same rule as the gateway).
func (s *Service) contentHidden(ctx context.Context, viewer snowflake.ID) bool {
	return s.botLacksIntent(ctx, viewer, opcodes.IntentMessageContent)
}

// botLacksIntent reports whether viewer is a bot whose application has not enabled the
// privileged intent; REST applies those toggles as the gateway does. Humans never lack one.
func (s *Service) botLacksIntent(ctx context.Context, viewer snowflake.ID, intent opcodes.Intents) bool {
	// Humans have no application: the cached user says so without a (missing) row lookup.
	if u, err := s.getUser(ctx, viewer); err == nil && !u.Bot {
		return false
	}
	flags, err := s.ApplicationFlags(ctx, viewer)
	if err != nil {
		return false // not a bot
	}
	return !opcodes.AllowedIntents(flags).Has(intent)
}

// messageShapes turns stored messages into message objects for viewer, loading authors,
// mentions, reactions and replied-to messages in batches.
func (s *Service) messageShapes(ctx context.Context, viewer snowflake.ID, ms []storage.Message, withReactions bool) ([]opcodes.Message, error) {
	userIDs := make([]snowflake.ID, 0, len(ms)+1)
	msgIDs := make([]snowflake.ID, 0, len(ms))
	// Replied-to messages, loaded in one query per channel (replies point into their own
	// channel, so that is one query per page).
	var refIDs map[snowflake.ID][]snowflake.ID // channel → referenced message IDs
	for _, m := range ms {
		userIDs = append(userIDs, m.AuthorID)
		userIDs = append(userIDs, m.Mentions...)
		msgIDs = append(msgIDs, m.ID)
		if m.Reference != nil && (m.Type == int(opcodes.MessageReply) || m.Type == int(opcodes.MessageThreadStarterMessage)) {
			if refIDs == nil {
				refIDs = make(map[snowflake.ID][]snowflake.ID, 1)
			}
			refIDs[m.Reference.ChannelID] = append(refIDs[m.Reference.ChannelID], m.Reference.MessageID)
		}
	}
	var loaded map[[2]snowflake.ID]storage.Message // (channel, message) → message
	for chID, ids := range refIDs {
		rs, err := s.store.Messages().GetMany(ctx, chID, ids)
		if err != nil {
			return nil, fmt.Errorf("load referenced messages: %w", err)
		}
		if loaded == nil {
			loaded = make(map[[2]snowflake.ID]storage.Message, len(rs))
		}
		for _, r := range rs {
			loaded[[2]snowflake.ID{chID, r.ID}] = r
			userIDs = append(userIDs, r.AuthorID)
			userIDs = append(userIDs, r.Mentions...)
		}
	}
	refs := make(map[snowflake.ID]storage.Message, len(loaded))
	for _, m := range ms {
		if m.Reference != nil && (m.Type == int(opcodes.MessageReply) || m.Type == int(opcodes.MessageThreadStarterMessage)) {
			if r, ok := loaded[[2]snowflake.ID{m.Reference.ChannelID, m.Reference.MessageID}]; ok {
				refs[m.ID] = r
			}
		}
	}
	users, err := s.usersByID(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	var reactions map[snowflake.ID][]opcodes.Reaction
	if withReactions {
		reactions, err = s.reactionSummaries(ctx, viewer, msgIDs)
		if err != nil {
			return nil, err
		}
	}
	hide := len(ms) > 0 && s.contentHidden(ctx, viewer)
	out := make([]opcodes.Message, len(ms))
	for i, m := range ms {
		out[i] = s.messageShape(m, users, viewer, hide)
		out[i].Reactions = reactions[m.ID]
		if r, ok := refs[m.ID]; ok {
			rs := s.messageShape(r, users, viewer, hide)
			out[i].ReferencedMessage = &rs
		}
		if m.Flags&messageFlagHasThread != 0 {
			// The thread a message started has the message's ID.
			if th, err := s.store.Channels().Get(ctx, m.ID); err == nil && th.Thread != nil {
				shaped := channelShape(th)
				out[i].Thread = &shaped
			}
		}
	}
	return out, nil
}

func (s *Service) messageShape(m storage.Message, users map[snowflake.ID]storage.User, viewer snowflake.ID, hide bool) opcodes.Message {
	o := opcodes.Message{
		ID:              m.ID,
		ChannelID:       m.ChannelID,
		Content:         m.Content,
		Timestamp:       opcodes.NewTimestamp(m.ID.Time()),
		EditedTimestamp: timePtr(m.EditedAt),
		TTS:             m.TTS,
		MentionEveryone: m.MentionEveryone,
		Mentions:        make([]opcodes.User, 0, len(m.Mentions)),
		MentionRoles:    m.MentionRoles,
		Attachments:     []opcodes.Attachment{},
		Embeds:          []opcodes.Embed{},
		Pinned:          m.Pinned,
		Type:            opcodes.MessageType(m.Type),
		Flags:           m.Flags,
		Components:      []json.RawMessage{},
		Nonce:           m.Nonce,
		WebhookID:       ptrID(m.WebhookID),
		ApplicationID:   ptrID(m.ApplicationID),
	}
	if o.MentionRoles == nil {
		o.MentionRoles = []snowflake.ID{}
	}
	if len(m.Embeds) > 0 {
		_ = json.Unmarshal(m.Embeds, &o.Embeds)
	}
	if as := decodeAttachments(m.Attachments); len(as) > 0 {
		s.withURLs(m.ChannelID, as)
		o.Attachments = as
	}
	if len(m.Components) > 0 {
		o.Components = s.componentsOut(m.ChannelID, m.Components)
	}
	if m.WebhookID != 0 && m.AuthorID == 0 {
		o.Author = opcodes.User{ID: m.WebhookID, Username: m.WebhookName, Discriminator: "0000", Avatar: m.WebhookAvatar, Bot: true}
	} else if u, ok := users[m.AuthorID]; ok {
		o.Author = userShape(u)
	} else {
		o.Author = opcodes.User{ID: m.AuthorID, Username: "Deleted User", Discriminator: "0"}
	}
	for _, id := range m.Mentions {
		if u, ok := users[id]; ok {
			o.Mentions = append(o.Mentions, userShape(u))
		}
	}
	if len(m.Interaction) > 0 {
		var si storedInteraction
		if json.Unmarshal(m.Interaction, &si) == nil {
			o.InteractionMetadata, o.Interaction = si.Meta, si.Legacy
		}
	}
	if m.Reference != nil {
		o.MessageReference = &opcodes.MessageReference{
			Type: ptrInt(m.Reference.Type), MessageID: ptrID(m.Reference.MessageID),
			ChannelID: ptrID(m.Reference.ChannelID), GuildID: ptrID(m.Reference.GuildID),
		}
	}
	if hide && m.AuthorID != viewer && !slices.Contains(m.Mentions, viewer) && m.GuildID != 0 {
		StripContent(&o)
	}
	return o
}

// StripContent empties what the MESSAGE_CONTENT intent gates: REST reads use it for viewers
// without the intent, and publishMessage for the events.Event's Stripped form.
func StripContent(m *opcodes.Message) {
	m.Content = ""
	m.Embeds = []opcodes.Embed{}
	m.Attachments = []opcodes.Attachment{}
	m.Components = []json.RawMessage{}
	m.Poll = nil
}

// Message is GET /channels/{id}/messages/{id}: READ_MESSAGE_HISTORY.
func (s *Service) Message(ctx context.Context, actor, channelID, messageID snowflake.ID) (opcodes.Message, error) {
	_, perms, err := s.channelAccessCached(ctx, actor, channelID)
	if err != nil {
		return opcodes.Message{}, err
	}
	if !perms.Has(opcodes.PermReadMessageHistory) {
		return opcodes.Message{}, ErrMissingAccess
	}
	m, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "load message")
	}
	out, err := s.messageShapes(ctx, actor, []storage.Message{m}, true)
	if err != nil {
		return opcodes.Message{}, err
	}
	return out[0], nil
}

// Page selects a page of message history: at most one of Before, After and Around, and a
// Limit of 1–100.
type Page struct {
	Before, After, Around snowflake.ID
	Limit                 int
}

// Messages is GET /channels/{id}/messages: READ_MESSAGE_HISTORY (without it, an empty list,
// as Discord answers), limit 1–100.
func (s *Service) Messages(ctx context.Context, actor, channelID snowflake.ID, page Page) ([]opcodes.Message, error) {
	_, perms, err := s.channelAccessCached(ctx, actor, channelID)
	if err != nil {
		return nil, err
	}
	var v validator
	if page.Limit < 1 || page.Limit > 100 {
		v.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
	}
	set := 0
	for _, id := range []snowflake.ID{page.Before, page.After, page.Around} {
		if id != 0 {
			set++
		}
	}
	if set > 1 {
		v.add("around", "BASE_TYPE_INVALID", "Only one of before, after and around may be given.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if !perms.Has(opcodes.PermReadMessageHistory) {
		return []opcodes.Message{}, nil
	}
	ms, err := s.store.Messages().List(ctx, channelID, storage.Page(page))
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return s.messageShapes(ctx, actor, ms, true)
}

// EditMessageParams is PATCH /channels/{id}/messages/{id}. Nil fields are left alone.
type EditMessageParams struct {
	Content         *string             `json:"content"`
	Embeds          *[]opcodes.Embed    `json:"embeds"`
	Embed           *opcodes.Embed      `json:"embed"`
	Flags           *int                `json:"flags"`
	AllowedMentions *AllowedMentions    `json:"allowed_mentions"`
	Components      []opcodes.Component `json:"components"`
	// Attachments lists the attachments to keep (by ID) and describes new Files (by index);
	// attachments it does not name are removed. Nil keeps them all.
	Attachments *[]AttachmentParams `json:"attachments"`
	// Files are new uploads of a multipart request; they are not part of the JSON.
	Files []File `json:"-"`
}

// EditMessage: the author edits content, embeds, flags and attachments; others with
// MANAGE_MESSAGES may only toggle SUPPRESS_EMBEDS.
func (s *Service) EditMessage(ctx context.Context, actor, channelID, messageID snowflake.ID, p EditMessageParams) (opcodes.Message, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Message{}, err
	}
	m, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "load message")
	}
	return s.editMessage(ctx, ch, m, author{userID: actor, perms: perms}, m.AuthorID == actor && m.WebhookID == 0, p)
}

func (s *Service) editMessage(ctx context.Context, ch storage.Channel, m storage.Message, a author, own bool, p EditMessageParams) (opcodes.Message, error) {
	if !own {
		if p.Content != nil || p.Embeds != nil || p.Embed != nil || p.Components != nil || p.Attachments != nil || len(p.Files) > 0 {
			return opcodes.Message{}, ErrCannotEditOthersMessage
		}
		if !a.perms.Has(opcodes.PermManageMessages) {
			return opcodes.Message{}, ErrMissingPermissions
		}
	}
	if len(p.Files) > 0 && !a.perms.Has(opcodes.PermAttachFiles) {
		return opcodes.Message{}, ErrMissingPermissions
	}
	var v validator
	attachments := decodeAttachments(m.Attachments)
	var removed []snowflake.ID
	var params []AttachmentParams
	var named map[snowflake.ID]bool
	if p.Attachments != nil {
		params = *p.Attachments
		attachments, removed, named = keepAttachments(attachments, params)
	}
	uploads, err := s.checkUploads(&v, p.Files, params, len(attachments), named)
	if err != nil {
		return opcodes.Message{}, err
	}
	if p.Embed != nil && p.Embeds == nil {
		p.Embeds = &[]opcodes.Embed{*p.Embed}
	}
	if p.Content != nil {
		if len([]rune(*p.Content)) > maxContent {
			v.add("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
		}
		m.Content = *p.Content
	}
	if p.Embeds != nil {
		validateEmbeds(&v, *p.Embeds)
		for i := range *p.Embeds {
			if (*p.Embeds)[i].Type == "" {
				(*p.Embeds)[i].Type = "rich"
			}
		}
		m.Embeds, _ = json.Marshal(*p.Embeds)
	}
	if p.Flags != nil {
		// Only SUPPRESS_EMBEDS may be toggled, and the author may set IS_COMPONENTS_V2 (never
		// clear it); other flags keep their value.
		m.Flags = (m.Flags &^ opcodes.MessageFlagSuppressEmbeds) | (*p.Flags & opcodes.MessageFlagSuppressEmbeds)
		if own {
			m.Flags |= *p.Flags & opcodes.MessageFlagIsComponentsV2
		}
	}
	v2 := m.Flags&opcodes.MessageFlagIsComponentsV2 != 0
	var comps []opcodes.Component
	if p.Components != nil {
		if a.passive {
			p.Components = nil
		} else {
			comps = checkComponents(&v, "components", componentRules{v2: v2}, p.Components)
		}
	}
	if v2 {
		refuseLegacyFields(&v, m.Content != "", len(m.Embeds) > 0 && string(m.Embeds) != "[]", false, false)
	}
	if err := v.err(); err != nil {
		return opcodes.Message{}, err
	}
	hasComps := len(m.Components) > 0 && string(m.Components) != "[]"
	if p.Components != nil {
		hasComps = len(comps) > 0
	}
	if strings.TrimSpace(m.Content) == "" && (len(m.Embeds) == 0 || string(m.Embeds) == "[]") && m.Type == int(opcodes.MessageDefault) &&
		!hasComps && len(attachments)+len(uploads) == 0 {
		return opcodes.Message{}, ErrEmptyMessage
	}
	var hits []autoModHit
	if p.Content != nil && own {
		if hits, err = s.autoModCheck(ctx, ch, a, m.Content); err != nil {
			return opcodes.Message{}, err
		}
		if autoModBlocks(hits) {
			s.runAutoMod(ctx, ch, a.userID, 0, m.Content, hits)
			return opcodes.Message{}, ErrAutoModBlocked
		}
	}
	if p.Content != nil || (v2 && p.Components != nil) {
		mp := MessageParams{Content: m.Content, AllowedMentions: p.AllowedMentions}
		if v2 {
			mp.Content = componentTexts(comps)
		}
		if err := s.resolveMentions(ctx, ch, a, mp, 0, &m); err != nil {
			return opcodes.Message{}, err
		}
	}
	if own {
		now := s.now()
		m.EditedAt = &now
	}
	metas, rows := s.assignUploads(ch.ID, m.ID, uploads)
	all := append(attachments, metas...)
	if p.Attachments != nil || len(rows) > 0 {
		m.Attachments = encodeAttachments(all)
	}
	if p.Components != nil {
		s.linkMedia(&v, "components", comps, all)
		if err := v.err(); err != nil {
			return opcodes.Message{}, err
		}
		m.Components, _ = json.Marshal(comps)
	}
	if err := s.putUploads(ctx, rows); err != nil {
		return opcodes.Message{}, err
	}
	if a.reply != nil && a.reply.ephemeral {
		err = s.putEphemeral(ctx, a.reply.eph, m)
	} else {
		err = s.store.Messages().Update(ctx, m)
	}
	if err != nil {
		s.dropUploads(ctx, m.ID, rows)
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "update message")
	}
	if len(removed) > 0 {
		// The message no longer lists them. Should this fail, they stay downloadable by
		// their old URLs until the message itself is deleted, which removes all its files.
		if err := s.store.Attachments().Delete(context.WithoutCancel(ctx), m.ID, removed); err != nil {
			s.log.WarnContext(ctx, "remove dropped attachments", "message_id", m.ID, "err", err)
		}
	}
	out, err := s.messageShapes(ctx, a.userID, []storage.Message{m}, true)
	if err != nil {
		return opcodes.Message{}, err
	}
	if a.reply != nil && a.reply.ephemeral {
		s.publishEphemeral(ctx, opcodes.EventMessageUpdate, ch, a.reply.eph.userID, out[0])
		return out[0], nil
	}
	s.publishMessage(ctx, opcodes.EventMessageUpdate, ch, m, out[0])
	if len(hits) > 0 {
		s.runAutoMod(ctx, ch, a.userID, m.ID, m.Content, hits)
	}
	return out[0], nil
}

// DeleteMessage: the author, or MANAGE_MESSAGES in a guild channel.
func (s *Service) DeleteMessage(ctx context.Context, actor, channelID, messageID snowflake.ID) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	m, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return notFound(err, ErrUnknownMessage, "load message")
	}
	if m.AuthorID != actor || m.WebhookID != 0 {
		if ch.GuildID == 0 || !perms.Has(opcodes.PermManageMessages) {
			return ErrMissingPermissions
		}
	}
	if err := s.deleteMessage(ctx, ch, m.ID); err != nil {
		return err
	}
	if ch.GuildID != 0 && m.AuthorID != actor && m.WebhookID == 0 {
		// Discord audits a moderator deleting someone else's message, not one's own.
		s.auditMessageDelete(ctx, ch.GuildID, actor, m.AuthorID, ch.ID)
	}
	return nil
}

func (s *Service) deleteMessage(ctx context.Context, ch storage.Channel, id snowflake.ID) error {
	if err := s.store.Messages().Delete(ctx, ch.ID, id); err != nil {
		return notFound(err, ErrUnknownMessage, "delete message")
	}
	ev := events.Event{Name: opcodes.EventMessageDelete}
	if ch.GuildID == 0 {
		ev.UserIDs = ch.Recipients
	} else {
		ev.GuildID, ev.ChannelID = ch.GuildID, ch.ID
	}
	s.publish(ctx, ev, opcodes.MessageDelete{ID: id, ChannelID: ch.ID, GuildID: ptrID(ch.GuildID)})
	return nil
}

// BulkDelete is POST /channels/{id}/messages/bulk-delete: MANAGE_MESSAGES, 2–100 distinct
// IDs, none older than two weeks.
func (s *Service) BulkDelete(ctx context.Context, actor, channelID snowflake.ID, ids []snowflake.ID) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if ch.GuildID == 0 || !perms.Has(opcodes.PermManageMessages) {
		return ErrMissingPermissions
	}
	ids = dedupe(ids)
	var v validator
	if len(ids) < 2 || len(ids) > 100 {
		v.add("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
		return v.err()
	}
	oldest := snowflake.FromTime(s.now().Add(-bulkDeleteMaxAge))
	for _, id := range ids {
		if id < oldest {
			return ErrBulkDeleteTooOld
		}
	}
	deleted, err := s.store.Messages().DeleteMany(ctx, channelID, ids)
	if err != nil {
		return fmt.Errorf("bulk delete: %w", err)
	}
	if len(deleted) == 0 {
		return nil
	}
	s.publish(ctx, events.Event{Name: opcodes.EventMessageDeleteBulk, GuildID: ch.GuildID, ChannelID: ch.ID},
		opcodes.MessageDeleteBulk{IDs: deleted, ChannelID: ch.ID, GuildID: ptrID(ch.GuildID)})
	s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: opcodes.AuditMessageBulkDelete, ActorID: actor, TargetID: ch.ID,
		Options: &opcodes.AuditEntryInfo{Count: strconv.Itoa(len(deleted))}})
	return nil
}

// Crosspost is POST /channels/{id}/messages/{id}/crosspost: announcement channels only. Parley
// has no channel following, so it marks the message CROSSPOSTED and returns it.
func (s *Service) Crosspost(ctx context.Context, actor, channelID, messageID snowflake.ID) (opcodes.Message, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Message{}, err
	}
	m, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "load message")
	}
	if opcodes.ChannelType(ch.Type) != opcodes.ChannelGuildAnnouncement {
		return opcodes.Message{}, ErrInvalidChannelType
	}
	if m.AuthorID == actor {
		if !perms.Has(opcodes.PermSendMessages) {
			return opcodes.Message{}, ErrMissingPermissions
		}
	} else if !perms.Has(opcodes.PermManageMessages) {
		return opcodes.Message{}, ErrMissingPermissions
	}
	if m.Flags&opcodes.MessageFlagCrossposted == 0 {
		m.Flags |= opcodes.MessageFlagCrossposted
		if err := s.store.Messages().Update(ctx, m); err != nil {
			return opcodes.Message{}, notFound(err, ErrUnknownMessage, "update message")
		}
	}
	out, err := s.messageShapes(ctx, actor, []storage.Message{m}, true)
	if err != nil {
		return opcodes.Message{}, err
	}
	s.publishMessage(ctx, opcodes.EventMessageUpdate, ch, m, out[0])
	return out[0], nil
}
