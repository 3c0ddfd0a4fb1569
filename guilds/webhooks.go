package guilds

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Webhook types.
const (
	webhookIncoming = 1
)

const (
	webhookTokenLen      = 68
	webhookTokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	maxWebhookAvatarURL  = 2048
)

// webhookPerms is what an executed webhook may do in its channel, whatever the channel's
// overwrites say (Discord does not apply member permissions to webhooks): send, embed and
// attach, mention @everyone/@here and every role, send TTS, and read the history it replies
// to.
const webhookPerms = opcodes.PermViewChannel | opcodes.PermSendMessages | opcodes.PermEmbedLinks |
	opcodes.PermAttachFiles | opcodes.PermMentionEveryone | opcodes.PermSendTTSMessages |
	opcodes.PermReadMessageHistory

// WebhookParams is POST /channels/{id}/webhooks.
type WebhookParams struct {
	Name   string  `json:"name"`
	Avatar *string `json:"avatar"`
}

// ModifyWebhookParams is PATCH /webhooks/{id} (and, without ChannelID, PATCH
// /webhooks/{id}/{token}). Nil fields are left alone; a null avatar clears it.
type ModifyWebhookParams struct {
	Name      *string                  `json:"name"`
	Avatar    opcodes.Nullable[string] `json:"avatar"`
	ChannelID *snowflake.ID            `json:"channel_id"`
}

// ExecuteWebhookParams is POST /webhooks/{id}/{token}: a message plus per-message overrides of
// the webhook's name and avatar.
type ExecuteWebhookParams struct {
	MessageParams
	Username  string `json:"username"`
	AvatarURL string `json:"avatar_url"`
	// WithComponents is the with_components query parameter: without it a webhook no
	// application owns has its components ignored; with it, it may send non-interactive ones.
	WithComponents bool `json:"-"`
}

// validateWebhookName applies Discord's rules: 1–80 characters, not containing "clyde" or
// "discord" in any case (Discord reports these as USERNAME_INVALID_CONTAINS).
func validateWebhookName(v *validator, field, name string) {
	n := len([]rune(name))
	if n < 1 || n > 80 {
		v.length(field, name, 1, 80)
		return
	}
	lower := strings.ToLower(name)
	for _, bad := range []string{"clyde", "discord"} {
		if strings.Contains(lower, bad) {
			v.add(field, "USERNAME_INVALID_CONTAINS", "Username cannot contain \""+bad+"\"")
			return
		}
	}
}

// webhookChannelOK reports whether webhooks may live in ch: guild channels other than
// categories.
func webhookChannelOK(ch storage.Channel) bool {
	return ch.GuildID != 0 && opcodes.ChannelType(ch.Type) != opcodes.ChannelGuildCategory
}

// webhookShape is the webhook object. creator fills user (omitted in token-authenticated
// answers); withToken adds token and url, for holders of MANAGE_WEBHOOKS or of the token.
func webhookShape(w storage.Webhook, creator *storage.User, withToken bool) opcodes.Webhook {
	name := w.Name
	o := opcodes.Webhook{
		ID:            w.ID,
		Type:          w.Type,
		GuildID:       ptrID(w.GuildID),
		ChannelID:     ptrID(w.ChannelID),
		Name:          &name,
		Avatar:        w.Avatar,
		ApplicationID: ptrID(w.ApplicationID),
	}
	if creator != nil {
		u := userShape(*creator)
		o.User = &u
	}
	if withToken && w.Type == webhookIncoming && w.Token != "" {
		o.Token = w.Token
		o.URL = "/api/webhooks/" + w.ID.String() + "/" + w.Token
	}
	return o
}

// webhookShapes shapes webhooks with their creators, loaded in one batch.
func (s *Service) webhookShapes(ctx context.Context, ws []storage.Webhook) ([]opcodes.Webhook, error) {
	ids := make([]snowflake.ID, len(ws))
	for i, w := range ws {
		ids[i] = w.CreatorID
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]opcodes.Webhook, 0, len(ws))
	for _, w := range ws {
		var creator *storage.User
		if u, ok := users[w.CreatorID]; ok {
			creator = &u
		}
		out = append(out, webhookShape(w, creator, true))
	}
	return out, nil
}

func (s *Service) webhookOut(ctx context.Context, w storage.Webhook) (opcodes.Webhook, error) {
	out, err := s.webhookShapes(ctx, []storage.Webhook{w})
	if err != nil {
		return opcodes.Webhook{}, err
	}
	return out[0], nil
}

// publishWebhooksUpdate tells those who can view the channel that its webhooks changed.
func (s *Service) publishWebhooksUpdate(ctx context.Context, guildID, channelID snowflake.ID) {
	s.publish(ctx, events.Event{Name: opcodes.EventWebhooksUpdate, GuildID: guildID, ChannelID: channelID},
		opcodes.WebhooksUpdate{GuildID: guildID, ChannelID: channelID})
}

// manageWebhooksIn loads a channel and checks actor has MANAGE_WEBHOOKS there.
func (s *Service) manageWebhooksIn(ctx context.Context, actor, channelID snowflake.ID) (storage.Channel, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return storage.Channel{}, err
	}
	if !perms.Has(opcodes.PermManageWebhooks) {
		return storage.Channel{}, ErrMissingPermissions
	}
	return ch, nil
}

// webhookAccess loads a webhook and checks actor has MANAGE_WEBHOOKS in its channel.
func (s *Service) webhookAccess(ctx context.Context, actor, id snowflake.ID) (storage.Webhook, error) {
	w, err := s.store.Webhooks().Get(ctx, id)
	if err != nil {
		return storage.Webhook{}, notFound(err, ErrUnknownWebhook, "load webhook")
	}
	if _, err := s.manageWebhooksIn(ctx, actor, w.ChannelID); err != nil {
		return storage.Webhook{}, err
	}
	return w, nil
}

// webhookByToken loads an incoming webhook and checks its token in constant time; a wrong
// token is ErrInvalidWebhookToken, as Discord answers (50027).
func (s *Service) webhookByToken(ctx context.Context, id snowflake.ID, token string) (storage.Webhook, error) {
	w, err := s.store.Webhooks().Get(ctx, id)
	if err != nil {
		return storage.Webhook{}, notFound(err, ErrUnknownWebhook, "load webhook")
	}
	if w.Type != webhookIncoming || w.Token == "" || subtle.ConstantTimeCompare([]byte(w.Token), []byte(token)) != 1 {
		return storage.Webhook{}, ErrInvalidWebhookToken
	}
	return w, nil
}

// CreateWebhook is POST /channels/{id}/webhooks: MANAGE_WEBHOOKS on a guild channel (not a
// category). It creates an incoming webhook with a fresh token and publishes WEBHOOKS_UPDATE.
func (s *Service) CreateWebhook(ctx context.Context, actor, channelID snowflake.ID, p WebhookParams) (opcodes.Webhook, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	if !webhookChannelOK(ch) {
		return opcodes.Webhook{}, ErrInvalidChannelType
	}
	if !perms.Has(opcodes.PermManageWebhooks) {
		return opcodes.Webhook{}, ErrMissingPermissions
	}
	var v validator
	validateWebhookName(&v, "name", p.Name)
	var avatar *string
	if p.Avatar != nil && *p.Avatar != "" {
		h, err := imageHash(*p.Avatar)
		if err != nil {
			v.add("avatar", "IMAGE_INVALID", "Invalid image data")
		}
		avatar = &h
	}
	if err := v.err(); err != nil {
		return opcodes.Webhook{}, err
	}
	w := storage.Webhook{
		ID:        s.ids.Next(),
		Type:      webhookIncoming,
		GuildID:   ch.GuildID,
		ChannelID: ch.ID,
		CreatorID: actor,
		Name:      p.Name,
		Avatar:    avatar,
		Token:     randomString(webhookTokenLen, webhookTokenAlphabet),
	}
	// A webhook a bot creates belongs to its application (a bot's user ID is its
	// application's), which lets it send interactive components.
	if u, err := s.getUser(ctx, actor); err == nil && u.Bot {
		w.ApplicationID = actor
	}
	if avatar != nil {
		s.keepImage(ctx, CDNAvatars, w.ID, *p.Avatar)
	}
	if err := s.store.Webhooks().Create(ctx, w); err != nil {
		return opcodes.Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	out, err := s.webhookOut(ctx, w)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	s.publishWebhooksUpdate(ctx, w.GuildID, w.ChannelID)
	s.audit(ctx, auditEntry{GuildID: w.GuildID, Action: opcodes.AuditWebhookCreate, ActorID: actor, TargetID: w.ID,
		Changes: fieldChanges(nil, webhookFields(w))})
	return out, nil
}

// ChannelWebhooks is GET /channels/{id}/webhooks: MANAGE_WEBHOOKS on the channel.
func (s *Service) ChannelWebhooks(ctx context.Context, actor, channelID snowflake.ID) ([]opcodes.Webhook, error) {
	ch, err := s.manageWebhooksIn(ctx, actor, channelID)
	if err != nil {
		return nil, err
	}
	ws, err := s.store.Webhooks().ListByChannel(ctx, ch.ID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return s.webhookShapes(ctx, ws)
}

// GuildWebhooks is GET /guilds/{id}/webhooks: MANAGE_WEBHOOKS in the guild.
func (s *Service) GuildWebhooks(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Webhook, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageWebhooks); err != nil {
		return nil, err
	}
	ws, err := s.store.Webhooks().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return s.webhookShapes(ctx, ws)
}

// Webhook is GET /webhooks/{id}: MANAGE_WEBHOOKS in the webhook's channel.
func (s *Service) Webhook(ctx context.Context, actor, id snowflake.ID) (opcodes.Webhook, error) {
	w, err := s.webhookAccess(ctx, actor, id)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	return s.webhookOut(ctx, w)
}

// WebhookWithToken is GET /webhooks/{id}/{token}: no authentication, no user in the answer.
func (s *Service) WebhookWithToken(ctx context.Context, id snowflake.ID, token string) (opcodes.Webhook, error) {
	w, err := s.webhookByToken(ctx, id, token)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	return webhookShape(w, nil, true), nil
}

// applyWebhook validates name and avatar changes onto w.
func applyWebhook(v *validator, w *storage.Webhook, p ModifyWebhookParams) {
	if p.Name != nil {
		validateWebhookName(v, "name", *p.Name)
		w.Name = *p.Name
	}
	if p.Avatar.Set {
		w.Avatar = nil
		if !p.Avatar.Null && p.Avatar.Value != "" {
			h, err := imageHash(p.Avatar.Value)
			if err != nil {
				v.add("avatar", "IMAGE_INVALID", "Invalid image data")
			}
			w.Avatar = &h
		}
	}
}

// ModifyWebhook is PATCH /webhooks/{id}: MANAGE_WEBHOOKS in its channel, and in the new
// channel (of the same guild) when moving it. WEBHOOKS_UPDATE goes to the old channel and,
// after a move, to the new one.
func (s *Service) ModifyWebhook(ctx context.Context, actor, id snowflake.ID, p ModifyWebhookParams) (opcodes.Webhook, error) {
	w, err := s.webhookAccess(ctx, actor, id)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	oldChannel, before := w.ChannelID, w
	if p.ChannelID != nil && *p.ChannelID != w.ChannelID {
		target, err := s.manageWebhooksIn(ctx, actor, *p.ChannelID)
		if err != nil {
			return opcodes.Webhook{}, err
		}
		if target.GuildID != w.GuildID {
			return opcodes.Webhook{}, ErrUnknownChannel
		}
		if !webhookChannelOK(target) {
			return opcodes.Webhook{}, ErrInvalidChannelType
		}
		w.ChannelID = target.ID
	}
	var v validator
	applyWebhook(&v, &w, p)
	if err := v.err(); err != nil {
		return opcodes.Webhook{}, err
	}
	if p.Avatar.Set && !p.Avatar.Null && p.Avatar.Value != "" {
		s.keepImage(ctx, CDNAvatars, w.ID, p.Avatar.Value)
	}
	if err := s.store.Webhooks().Update(ctx, w); err != nil {
		return opcodes.Webhook{}, notFound(err, ErrUnknownWebhook, "update webhook")
	}
	out, err := s.webhookOut(ctx, w)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	s.publishWebhooksUpdate(ctx, w.GuildID, oldChannel)
	if w.ChannelID != oldChannel {
		s.publishWebhooksUpdate(ctx, w.GuildID, w.ChannelID)
	}
	s.auditWebhookUpdate(ctx, actor, before, w)
	return out, nil
}

// ModifyWebhookWithToken is PATCH /webhooks/{id}/{token}: name and avatar only; Discord does
// not accept channel_id here, so p.ChannelID is ignored. The answer has no user.
func (s *Service) ModifyWebhookWithToken(ctx context.Context, id snowflake.ID, token string, p ModifyWebhookParams) (opcodes.Webhook, error) {
	w, err := s.webhookByToken(ctx, id, token)
	if err != nil {
		return opcodes.Webhook{}, err
	}
	before := w
	var v validator
	applyWebhook(&v, &w, ModifyWebhookParams{Name: p.Name, Avatar: p.Avatar})
	if err := v.err(); err != nil {
		return opcodes.Webhook{}, err
	}
	if p.Avatar.Set && !p.Avatar.Null && p.Avatar.Value != "" {
		s.keepImage(ctx, CDNAvatars, w.ID, p.Avatar.Value)
	}
	if err := s.store.Webhooks().Update(ctx, w); err != nil {
		return opcodes.Webhook{}, notFound(err, ErrUnknownWebhook, "update webhook")
	}
	s.publishWebhooksUpdate(ctx, w.GuildID, w.ChannelID)
	s.auditWebhookUpdate(ctx, 0, before, w)
	return webhookShape(w, nil, true), nil
}

// DeleteWebhook is DELETE /webhooks/{id}: MANAGE_WEBHOOKS in its channel.
func (s *Service) DeleteWebhook(ctx context.Context, actor, id snowflake.ID) error {
	w, err := s.webhookAccess(ctx, actor, id)
	if err != nil {
		return err
	}
	return s.deleteWebhook(ctx, actor, w)
}

// DeleteWebhookWithToken is DELETE /webhooks/{id}/{token}.
func (s *Service) DeleteWebhookWithToken(ctx context.Context, id snowflake.ID, token string) error {
	w, err := s.webhookByToken(ctx, id, token)
	if err != nil {
		return err
	}
	return s.deleteWebhook(ctx, 0, w)
}

// deleteWebhook deletes w; actor is zero when the webhook's token authorised it (the entry's
// user_id is then null).
func (s *Service) deleteWebhook(ctx context.Context, actor snowflake.ID, w storage.Webhook) error {
	if err := s.store.Webhooks().Delete(ctx, w.ID); err != nil {
		return notFound(err, ErrUnknownWebhook, "delete webhook")
	}
	s.publishWebhooksUpdate(ctx, w.GuildID, w.ChannelID)
	s.audit(ctx, auditEntry{GuildID: w.GuildID, Action: opcodes.AuditWebhookDelete, ActorID: actor, TargetID: w.ID,
		Changes: fieldChanges(webhookFields(w), nil)})
	return nil
}

// auditWebhookUpdate records a webhook's changed fields, if any.
func (s *Service) auditWebhookUpdate(ctx context.Context, actor snowflake.ID, before, after storage.Webhook) {
	if c := fieldChanges(webhookFields(before), webhookFields(after)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: after.GuildID, Action: opcodes.AuditWebhookUpdate, ActorID: actor, TargetID: after.ID, Changes: c})
	}
}

// ExecuteWebhook is POST /webhooks/{id}/{token}: with an application ID and a live
// interaction token, an interaction follow-up (see followUp); otherwise it posts a message in the webhook's channel as
// the webhook (author id = webhook id, webhook_id set), under Username if given. The webhook
// acts with webhookPerms. AvatarURL is validated but not stored: message authors carry an
// avatar hash for the CDN, and Parley does not fetch remote images, so the webhook's own
// avatar is used.
func (s *Service) ExecuteWebhook(ctx context.Context, id snowflake.ID, token string, p ExecuteWebhookParams) (opcodes.Message, error) {
	if it, ok, err := s.liveInteraction(ctx, id, token); err != nil {
		return opcodes.Message{}, err
	} else if ok {
		return s.followUp(ctx, it, p.MessageParams)
	}
	w, err := s.webhookByToken(ctx, id, token)
	if err != nil {
		return opcodes.Message{}, err
	}
	var v validator
	name := w.Name
	if p.Username != "" {
		validateWebhookName(&v, "username", p.Username)
		name = p.Username
	}
	if len(p.AvatarURL) > maxWebhookAvatarURL {
		v.add("avatar_url", "BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.")
	} else if p.AvatarURL != "" && !strings.HasPrefix(p.AvatarURL, "http://") && !strings.HasPrefix(p.AvatarURL, "https://") {
		v.add("avatar_url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
	}
	if err := v.err(); err != nil {
		return opcodes.Message{}, err
	}
	ch, err := s.store.Channels().Get(ctx, w.ChannelID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return opcodes.Message{}, ErrUnknownWebhook
		}
		return opcodes.Message{}, fmt.Errorf("load channel: %w", err)
	}
	passive := w.ApplicationID == 0
	if passive && !p.WithComponents {
		p.Components = nil
	}
	return s.createMessage(ctx, ch, author{
		passive:       passive,
		webhookID:     w.ID,
		webhookName:   name,
		webhookAvatar: w.Avatar,
		applicationID: w.ApplicationID,
		perms:         webhookPerms,
	}, p.MessageParams)
}
