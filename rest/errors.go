package rest

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds"
)

// apiError is one of Discord's JSON error answers: an HTTP status and the
// {"code","message"[,"errors"]} body.
type apiError struct {
	Status  int            `json:"-"`
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  map[string]any `json:"errors,omitempty"`
}

func (e *apiError) Error() string {
	return "rest: " + strconv.Itoa(e.Status) + " " + strconv.Itoa(e.Code) + " " + e.Message
}

// Generic answers Discord gives without a specific JSON code.
var (
	errUnauthorized     = &apiError{Status: fiber.StatusUnauthorized, Code: 0, Message: "401: Unauthorized"}
	errNotFound         = &apiError{Status: fiber.StatusNotFound, Code: 0, Message: "404: Not Found"}
	errMethodNotAllowed = &apiError{Status: fiber.StatusMethodNotAllowed, Code: 0, Message: "405: Method Not Allowed"}
	errInternal         = &apiError{Status: fiber.StatusInternalServerError, Code: 0, Message: "500: Internal Server Error"}
	errTooLarge         = &apiError{Status: fiber.StatusRequestEntityTooLarge, Code: 40005, Message: "Request entity too large"}
	errInvalidJSON      = &apiError{Status: fiber.StatusBadRequest, Code: 50109, Message: "The request body contains invalid JSON."}
	errBotsForbidden    = &apiError{Status: fiber.StatusForbidden, Code: 20001, Message: "Bots cannot use this endpoint"}
	errUsersForbidden   = &apiError{Status: fiber.StatusForbidden, Code: 20002, Message: "Only bots can use this endpoint"}
	// errUnknownEmojiReaction is 10014 on the reaction routes, where Discord answers 400.
	errUnknownEmojiReaction = &apiError{Status: fiber.StatusBadRequest, Code: 10014, Message: "Unknown Emoji"}
)

// errorTable is the one place a domain error becomes a Discord status, code and message.
// Entries are checked in order with errors.Is.
var errorTable = []struct {
	err error
	api apiError
}{
	{guilds.ErrUnavailable, *errUnavailable},
	{guilds.ErrUnauthorized, *errUnauthorized},
	{guilds.ErrRefreshReused, *errUnauthorized},
	{guilds.ErrUnknownAccount, apiError{Status: 404, Code: 10001, Message: "Unknown Account"}},
	{guilds.ErrUnknownApplication, apiError{Status: 404, Code: 10002, Message: "Unknown Application"}},
	{guilds.ErrUnknownChannel, apiError{Status: 404, Code: 10003, Message: "Unknown Channel"}},
	{guilds.ErrUnknownGuild, apiError{Status: 404, Code: 10004, Message: "Unknown Guild"}},
	{guilds.ErrUnknownInvite, apiError{Status: 404, Code: 10006, Message: "Unknown Invite"}},
	{guilds.ErrUnknownMember, apiError{Status: 404, Code: 10007, Message: "Unknown Member"}},
	{guilds.ErrUnknownMessage, apiError{Status: 404, Code: 10008, Message: "Unknown Message"}},
	{guilds.ErrUnknownRole, apiError{Status: 404, Code: 10011, Message: "Unknown Role"}},
	{guilds.ErrUnknownUser, apiError{Status: 404, Code: 10013, Message: "Unknown User"}},
	{guilds.ErrUnknownEmoji, apiError{Status: 404, Code: 10014, Message: "Unknown Emoji"}},
	{guilds.ErrUnknownWebhook, apiError{Status: 404, Code: 10015, Message: "Unknown Webhook"}},
	{guilds.ErrUnknownBan, apiError{Status: 404, Code: 10026, Message: "Unknown Ban"}},
	{guilds.ErrUnknownInteraction, apiError{Status: 404, Code: 10062, Message: "Unknown interaction"}},
	{guilds.ErrUnknownCommand, apiError{Status: 404, Code: 10063, Message: "Unknown application command"}},
	{guilds.ErrInteractionAcknowledged, apiError{Status: 400, Code: 40060, Message: "Interaction has already been acknowledged"}},
	{guilds.ErrUnknownCommandPermissions, apiError{Status: 404, Code: 10066, Message: "Unknown application command permissions"}},
	{guilds.ErrMaxCommands, apiError{Status: 400, Code: 30032, Message: "Maximum number of application commands reached"}},
	{guilds.ErrUnknownScheduledEvent, apiError{Status: 404, Code: 10070, Message: "Unknown Guild Scheduled Event"}},
	{guilds.ErrUnknownScheduledEventUser, apiError{Status: 404, Code: 10071, Message: "Unknown Guild Scheduled Event User"}},
	{guilds.ErrMaxScheduledEvents, apiError{Status: 400, Code: 30038, Message: "Maximum number of uncompleted guild scheduled events reached (100)"}},
	{guilds.ErrEventFinished, apiError{Status: 400, Code: 180000, Message: "Cannot update a finished event"}},
	{guilds.ErrUnknownSticker, apiError{Status: 404, Code: 10060, Message: "Unknown sticker"}},
	{guilds.ErrUnknownStickerPack, apiError{Status: 404, Code: 10061, Message: "Unknown sticker pack"}},
	{guilds.ErrMaxStickers, apiError{Status: 400, Code: 30039, Message: "Maximum number of stickers reached"}},
	{guilds.ErrUnknownStageInstance, apiError{Status: 404, Code: 10067, Message: "Unknown Stage Instance"}},
	{guilds.ErrStageAlreadyOpen, apiError{Status: 400, Code: 150006, Message: "The Stage is already open"}},
	{guilds.ErrUnknownSound, apiError{Status: 404, Code: 10097, Message: "Unknown sound"}},
	{guilds.ErrMaxSounds, apiError{Status: 400, Code: 30045, Message: "Maximum number of soundboard sounds reached"}},
	{guilds.ErrMaxApplicationEmojis, apiError{Status: 400, Code: 30008, Message: "Maximum number of emojis reached"}},
	{guilds.ErrInvalidFile, apiError{Status: 400, Code: 50046, Message: "Invalid file uploaded"}},
	{guilds.ErrUnknownAttachment, *errNotFound},
	{guilds.ErrFileTooLarge, *errTooLarge},
	{guilds.ErrBotsForbidden, *errBotsForbidden},
	{guilds.ErrMaxPins, apiError{Status: 400, Code: 30003, Message: "Maximum number of pins reached (250)"}},
	{guilds.ErrMaxEmojis, apiError{Status: 400, Code: 30008, Message: "Maximum number of emojis reached (50)"}},
	// Discord documents no code for an unknown rule; it answers 404 with this message.
	{guilds.ErrUnknownAutoModRule, apiError{Status: 404, Code: 0, Message: "Unknown Auto Moderation Rule"}},
	{guilds.ErrAutoModBlocked, apiError{Status: 400, Code: 200000, Message: "Message was blocked by automatic moderation"}},
	{guilds.ErrInvalidWebhookToken, apiError{Status: 401, Code: 50027, Message: "Invalid Webhook Token"}},
	{guilds.ErrThreadArchived, apiError{Status: 400, Code: 50083, Message: "Thread is archived"}},
	{guilds.ErrThreadExists, apiError{Status: 400, Code: 160004, Message: "A thread has already been created for this message"}},
	{guilds.ErrThreadLocked, apiError{Status: 403, Code: 160005, Message: "Thread is locked"}},
	{guilds.ErrTagRequired, apiError{Status: 400, Code: 40067, Message: "A tag is required to create a forum post in this channel"}},
	{guilds.ErrNonTextChannel, apiError{Status: 400, Code: 50008, Message: "Cannot send messages in a non-text channel"}},
	{guilds.ErrInvalidChannelType, apiError{Status: 400, Code: 50024, Message: "Cannot execute action on this channel type"}},
	{guilds.ErrBanned, apiError{Status: 403, Code: 40007, Message: "The user is banned from this guild."}},
	{guilds.ErrMissingAccess, apiError{Status: 403, Code: 50001, Message: "Missing Access"}},
	{guilds.ErrWidgetDisabled, apiError{Status: 403, Code: 50004, Message: "Widget Disabled"}},
	{guilds.ErrUnknownIntegration, apiError{Status: 404, Code: 10005, Message: "Unknown Integration"}},
	{guilds.ErrUnknownTemplate, apiError{Status: 404, Code: 10057, Message: "Unknown Guild Template"}},
	{guilds.ErrTemplateExists, apiError{Status: 400, Code: 30031, Message: "Guild already has a template"}},
	{guilds.ErrUnknownVoiceState, apiError{Status: 404, Code: 10065, Message: "Unknown Voice State"}},
	{guilds.ErrNotInVoice, apiError{Status: 400, Code: 40032, Message: "Target user is not connected to voice."}},
	{guilds.ErrVoiceChannelFull, apiError{Status: 400, Code: 0, Message: "Voice channel is full"}},
	{guilds.ErrCannotEditOthersMessage, apiError{Status: 403, Code: 50005, Message: "Cannot edit a message authored by another user"}},
	{guilds.ErrEmptyMessage, apiError{Status: 400, Code: 50006, Message: "Cannot send an empty message"}},
	{guilds.ErrInvalidDMTarget, apiError{Status: 403, Code: 50007, Message: "Cannot send messages to this user"}},
	{guilds.ErrMissingPermissions, apiError{Status: 403, Code: 50013, Message: "Missing Permissions"}},
	{guilds.ErrBulkDeleteTooOld, apiError{Status: 400, Code: 50034, Message: "You can only bulk delete messages that are under 14 days old."}},
	{guilds.ErrOwnerCannotLeave, apiError{Status: 400, Code: 50055, Message: "Invalid Guild"}},
	{guilds.ErrReactionBlocked, apiError{Status: 403, Code: 90001, Message: "Reaction was blocked"}},
	{guilds.ErrInvalidLogin, apiError{Status: 400, Code: 50035, Message: "Invalid Form Body", Errors: map[string]any{
		"login":    leaf(guilds.FieldError{Code: "INVALID_LOGIN", Message: "Login or password is invalid."}),
		"password": leaf(guilds.FieldError{Code: "INVALID_LOGIN", Message: "Login or password is invalid."}),
	}}},
}

// toAPIError maps any handler error to Discord's answer. Unknown errors are 500s.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *guilds.ValidationError
	if errors.As(err, &ve) {
		return invalidForm(ve.Fields)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return errNotFound
		case fiber.StatusMethodNotAllowed:
			return errMethodNotAllowed
		case fiber.StatusRequestEntityTooLarge:
			return errTooLarge
		case fiber.StatusBadRequest:
			return &apiError{Status: 400, Code: 0, Message: "400: Bad Request"}
		default:
			if fe.Code >= 400 && fe.Code < 500 {
				return &apiError{Status: fe.Code, Code: 0, Message: strconv.Itoa(fe.Code) + ": " + fe.Message}
			}
			return errInternal
		}
	}
	for i := range errorTable {
		if errors.Is(err, errorTable[i].err) {
			a := errorTable[i].api
			return &a
		}
	}
	return errInternal
}

// invalidForm is 50035 with Discord's nested errors tree built from dotted field paths
// ("embeds.0.title"); the empty path is a request-level error (top-level "_errors").
func invalidForm(fields map[string][]guilds.FieldError) *apiError {
	tree := map[string]any{}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		node := tree
		if k != "" {
			for _, part := range strings.Split(k, ".") {
				child, ok := node[part].(map[string]any)
				if !ok {
					child = map[string]any{}
					node[part] = child
				}
				node = child
			}
		}
		prev, _ := node["_errors"].([]guilds.FieldError)
		node["_errors"] = append(prev, fields[k]...)
	}
	return &apiError{Status: fiber.StatusBadRequest, Code: 50035, Message: "Invalid Form Body", Errors: tree}
}

// fieldError is a 50035 answer about one field.
func fieldError(path, code, message string) *apiError {
	return invalidForm(map[string][]guilds.FieldError{path: {{Code: code, Message: message}}})
}

func leaf(fe ...guilds.FieldError) map[string]any {
	return map[string]any{"_errors": fe}
}
