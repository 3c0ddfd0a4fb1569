package guilds

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Sentinel errors. The REST layer maps each to Discord's HTTP status and JSON error code in one
// table; the gateway maps the auth ones to close codes.
var (
	ErrUnauthorized       = errors.New("guilds: unauthorized")
	ErrUnknownAccount     = errors.New("guilds: unknown account")
	ErrUnknownApplication = errors.New("guilds: unknown application")
	ErrUnknownChannel     = errors.New("guilds: unknown channel")
	ErrUnknownGuild       = errors.New("guilds: unknown guild")
	ErrUnknownMember      = errors.New("guilds: unknown member")
	ErrUnknownMessage     = errors.New("guilds: unknown message")
	ErrUnknownRole        = errors.New("guilds: unknown role")
	ErrUnknownUser        = errors.New("guilds: unknown user")
	ErrUnknownEmoji       = errors.New("guilds: unknown emoji")
	ErrUnknownWebhook     = errors.New("guilds: unknown webhook")
	ErrUnknownInvite      = errors.New("guilds: unknown invite")
	ErrUnknownBan         = errors.New("guilds: unknown ban")
	// ErrUnknownAttachment: no such uploaded file (the CDN route answers 404).
	ErrUnknownAttachment = errors.New("guilds: unknown attachment")
	// ErrFileTooLarge: an uploaded file exceeds Config.MaxAttachmentSize.
	ErrFileTooLarge       = errors.New("guilds: uploaded file too large")
	ErrMissingAccess      = errors.New("guilds: missing access")
	ErrMissingPermissions = errors.New("guilds: missing permissions")
	// ErrBotsForbidden: the endpoint is not for bot accounts.
	ErrBotsForbidden = errors.New("guilds: bots cannot use this endpoint")
	// ErrCannotEditOthersMessage: only the author may edit a message's content.
	ErrCannotEditOthersMessage = errors.New("guilds: cannot edit a message authored by another user")
	// ErrEmptyMessage: a message needs content, an embed, an attachment or a sticker.
	ErrEmptyMessage = errors.New("guilds: cannot send an empty message")
	// ErrBulkDeleteTooOld: bulk delete got a message older than two weeks.
	ErrBulkDeleteTooOld = errors.New("guilds: a message provided was too old to bulk delete")
	// ErrInvalidDMTarget: cannot open a DM with this user.
	ErrInvalidDMTarget = errors.New("guilds: cannot send messages to this user")
	// ErrReactionBlocked: the reaction is not allowed (unknown custom emoji and the like).
	ErrReactionBlocked = errors.New("guilds: reaction blocked")
	// ErrOwnerCannotLeave: the owner must transfer or delete the guild.
	ErrOwnerCannotLeave = errors.New("guilds: the owner cannot leave the guild")
	// ErrMaxPins: the channel has the maximum number of pins.
	ErrMaxPins = errors.New("guilds: maximum number of pins reached")
	// ErrBanned: the user is banned from this guild.
	ErrBanned = errors.New("guilds: user is banned from this guild")
	// ErrRefreshReused: a refresh token was presented twice; its family is revoked.
	ErrRefreshReused = errors.New("guilds: refresh token reused")
	// ErrInvalidWebhookToken: the webhook exists but the token in the URL is wrong.
	ErrInvalidWebhookToken = errors.New("guilds: invalid webhook token")
	// ErrInvalidChannelType: the action is not possible on this kind of channel (an invite
	// to a category or DM, a crosspost outside an announcement channel).
	ErrInvalidChannelType = errors.New("guilds: cannot execute action on this channel type")
	// ErrMaxEmojis: the guild holds the maximum number of emojis of that kind.
	ErrMaxEmojis = errors.New("guilds: maximum number of emojis reached")
	// ErrUnknownScheduledEvent: no such scheduled event (or exception) in the guild, or one the
	// caller cannot see (10070).
	ErrUnknownScheduledEvent = errors.New("guilds: unknown guild scheduled event")
	// ErrUnknownScheduledEventUser: the user is not subscribed to the event (10071).
	ErrUnknownScheduledEventUser = errors.New("guilds: unknown guild scheduled event user")
	// ErrMaxScheduledEvents: the guild has 100 scheduled or active events (30038).
	ErrMaxScheduledEvents = errors.New("guilds: maximum number of uncompleted guild scheduled events reached")
	// ErrEventFinished: a completed or canceled event cannot be updated (180000).
	ErrEventFinished = errors.New("guilds: cannot update a finished event")
	// ErrUnknownSticker: no such sticker (10060).
	ErrUnknownSticker = errors.New("guilds: unknown sticker")
	// ErrUnknownStickerPack: no such sticker pack; Parley has none (10061).
	ErrUnknownStickerPack = errors.New("guilds: unknown sticker pack")
	// ErrMaxStickers: the guild holds as many stickers as its boost tier allows (30039).
	ErrMaxStickers = errors.New("guilds: maximum number of stickers reached")
	// ErrUnknownStageInstance: the channel has no live stage (10067).
	ErrUnknownStageInstance = errors.New("guilds: unknown stage instance")
	// ErrStageAlreadyOpen: the stage channel already has an instance (150006).
	ErrStageAlreadyOpen = errors.New("guilds: the stage is already open")
	// ErrUnknownSound: no such soundboard sound (10097).
	ErrUnknownSound = errors.New("guilds: unknown sound")
	// ErrMaxSounds: the guild holds as many sounds as its boost tier allows (30045).
	ErrMaxSounds = errors.New("guilds: maximum number of soundboard sounds reached")
	// ErrMaxApplicationEmojis: the application has 2000 emojis (30008, the emoji limit code).
	ErrMaxApplicationEmojis = errors.New("guilds: maximum number of application emojis reached")
	// ErrInvalidFile: an uploaded file is not of an accepted type or is malformed (50046).
	ErrInvalidFile = errors.New("guilds: invalid file uploaded")
	// ErrInvalidLogin: wrong username or password.
	ErrInvalidLogin = errors.New("guilds: invalid login or password")
	// ErrNonceConflict is never returned to callers: CreateMessage with enforce_nonce returns the
	// original message instead.
	errNonceConflict = errors.New("guilds: nonce already used")
)

// ValidationError is an invalid request body: each key is a field path ("content",
// "embeds.0.title"), each value the problems with it. REST answers 400 with Discord's error
// code 50035 and the nested errors tree.
type ValidationError struct {
	Fields map[string][]FieldError
}

// FieldError is one problem with one field, in Discord's {code, message} form.
type FieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error implements error.
func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("guilds: invalid form body:")
	for _, k := range keys {
		for _, fe := range e.Fields[k] {
			b.WriteString(" ")
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(fe.Message)
			b.WriteString(";")
		}
	}
	return b.String()
}

// validator collects field errors; err returns nil when there are none.
type validator struct{ fields map[string][]FieldError }

func (v *validator) add(field, code, msg string) {
	if v.fields == nil {
		v.fields = make(map[string][]FieldError)
	}
	v.fields[field] = append(v.fields[field], FieldError{Code: code, Message: msg})
}

func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

// length checks a string's length in characters (runes) against Discord's bounds.
func (v *validator) length(field, s string, min, max int) {
	n := len([]rune(s))
	if n < min || n > max {
		v.add(field, "BASE_TYPE_BAD_LENGTH", "Must be between "+strconv.Itoa(min)+" and "+strconv.Itoa(max)+" in length.")
	}
}

func (v *validator) required(field string) {
	v.add(field, "BASE_TYPE_REQUIRED", "This field is required")
}
