package guilds

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Interaction errors.
var (
	// ErrUnknownInteraction: no live interaction with that ID and token, or its 3-second
	// response window has passed (10062).
	ErrUnknownInteraction = errors.New("guilds: unknown interaction")
	// ErrInteractionAcknowledged: the interaction already has its initial response (40060).
	ErrInteractionAcknowledged = errors.New("guilds: interaction has already been acknowledged")
)

const (
	// interactionCallbackWindow is how long an application has for its initial response.
	interactionCallbackWindow = 3 * time.Second
	// interactionTTL is how long the token stays valid for follow-ups and edits.
	interactionTTL = 15 * time.Minute
	// interactionCleanup bounds the expired rows one new interaction removes.
	interactionCleanup = 100
	// responseFailed is the ResponseType the failure timer claims an unanswered interaction
	// with: the same conditional update as a callback, so exactly one of them wins.
	responseFailed = -1
	// flagComponentsV2 is IS_COMPONENTS_V2 (1<<15), which an interaction response may set.
	flagComponentsV2 = 1 << 15
)

// InteractionParams is POST /interactions: what Discord's client sends when a user invokes a
// command (type 2), clicks a component (3), types into an autocomplete option (4) or submits
// a modal (5). Files are a multipart request's uploads (attachment options).
type InteractionParams struct {
	Type          opcodes.InteractionType `json:"type"`
	ApplicationID snowflake.ID            `json:"application_id"`
	GuildID       snowflake.ID            `json:"guild_id"`
	ChannelID     snowflake.ID            `json:"channel_id"`
	SessionID     string                  `json:"session_id"`
	Nonce         string                  `json:"nonce"`
	// MessageID is the message a component was clicked on (type 3).
	MessageID    snowflake.ID          `json:"message_id"`
	MessageFlags int                   `json:"message_flags"`
	Data         InteractionDataParams `json:"data"`
	Files        []File                `json:"-"`
}

// InteractionDataParams is the data of POST /interactions: the command, its options and
// target (types 2 and 4), the component (3) or the modal's values (5).
type InteractionDataParams struct {
	ID       snowflake.ID                `json:"id"`
	Name     string                      `json:"name"`
	Type     opcodes.CommandType         `json:"type"`
	Version  snowflake.ID                `json:"version"`
	Options  []opcodes.InteractionOption `json:"options"`
	TargetID snowflake.ID                `json:"target_id"`
	// Attachments describes Files: id is the files[n] index an attachment option names.
	Attachments   []AttachmentParams `json:"attachments"`
	CustomID      string             `json:"custom_id"`
	ComponentType int                `json:"component_type"`
	Values        []string           `json:"values"`
	Components    []json.RawMessage  `json:"components"`
}

// interactionDoc is what the store keeps of an interaction beyond its columns: what the
// response, the follow-ups and the user-side events need to know.
type interactionDoc struct {
	Nonce       string                                   `json:"nonce,omitempty"`
	CommandID   snowflake.ID                             `json:"cid,omitempty"`
	Name        string                                   `json:"name,omitempty"`
	CommandType opcodes.CommandType                      `json:"ct,omitempty"`
	Target      *opcodes.User                            `json:"tu,omitempty"`
	TargetMsg   snowflake.ID                             `json:"tm,omitempty"`
	Context     opcodes.InteractionContextType           `json:"ctx"`
	Owners      map[opcodes.IntegrationType]snowflake.ID `json:"owners"`
	// MessageID is the message a component was on (type 3, and a modal opened from one);
	// MessageEphemeral says it is an ephemeral message (interaction store, not history).
	MessageID        snowflake.ID `json:"mid,omitempty"`
	MessageEphemeral bool         `json:"meph,omitempty"`
	// Ephemeral: the initial response is (or will be, once deferred) ephemeral.
	Ephemeral bool `json:"eph,omitempty"`
	// Triggering is the metadata of the interaction that opened the modal (type 5).
	Triggering *opcodes.MessageInteractionMetadata `json:"trig,omitempty"`
	// Modal is the modal the response opened: the submission must match it.
	Modal *modalDoc `json:"modal,omitempty"`
}

// modalDoc is a modal a callback opened: its custom_id and its inputs' custom_ids.
type modalDoc struct {
	CustomID string   `json:"id"`
	Inputs   []string `json:"in"`
}

// interaction is a live interaction, decoded from the store.
type interaction struct {
	storage.Interaction
	doc interactionDoc
}

func decodeInteraction(st storage.Interaction) (interaction, error) {
	it := interaction{Interaction: st}
	if err := json.Unmarshal(st.Data, &it.doc); err != nil {
		return it, fmt.Errorf("decode interaction: %w", err)
	}
	return it, nil
}

// metadata is the interaction_metadata of the interaction's messages.
func (it interaction) metadata(user opcodes.User) opcodes.MessageInteractionMetadata {
	md := opcodes.MessageInteractionMetadata{ID: it.ID, Type: opcodes.InteractionType(it.Type), User: user,
		AuthorizingIntegrationOwners: it.doc.Owners}
	switch opcodes.InteractionType(it.Type) {
	case opcodes.InteractionApplicationCommand, opcodes.InteractionApplicationCommandAutocomplete:
		md.Name, md.CommandType = it.doc.Name, it.doc.CommandType
		md.TargetUser, md.TargetMessageID = it.doc.Target, it.doc.TargetMsg
	case opcodes.InteractionMessageComponent:
		md.InteractedMessageID = it.doc.MessageID
	case opcodes.InteractionModalSubmit:
		md.TriggeringInteractionMetadata = it.doc.Triggering
	}
	return md
}

// hashToken is how the store knows a token: by its SHA-256, never the token itself.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newInteractionToken is Discord-like ("aW50ZXJhY3Rpb246…" is base64 of "interaction:<id>:")
// and unguessable: 48 random bytes after the ID.
func newInteractionToken(id snowflake.ID) string {
	var b [48]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString([]byte("interaction:"+id.String()+":")) + base64.RawURLEncoding.EncodeToString(b[:])
}

// CreateInteraction is POST /interactions: actor invokes a command, clicks a component, asks
// for autocomplete choices or submits a modal. After the checks of its type
// (interactions_invoke.go) the interaction is stored with its token (15 minutes), the
// application gets it (deliverInteraction), the invoker's sessions get INTERACTION_CREATE
// {id, nonce}, and INTERACTION_FAILURE follows if no response comes within 3 seconds.
func (s *Service) CreateInteraction(ctx context.Context, actor snowflake.ID, p InteractionParams) error {
	var v validator
	switch p.Type {
	case opcodes.InteractionApplicationCommand, opcodes.InteractionMessageComponent,
		opcodes.InteractionApplicationCommandAutocomplete, opcodes.InteractionModalSubmit:
	default:
		v.add("type", "BASE_TYPE_CHOICES", "Value must be one of (2, 3, 4, 5).")
	}
	if p.ApplicationID == 0 {
		v.required("application_id")
	}
	if p.ChannelID == 0 {
		v.required("channel_id")
	}
	if len(p.Nonce) > maxNonceLen {
		v.add("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	if err := v.err(); err != nil {
		return err
	}
	u, err := s.getUser(ctx, actor)
	if err != nil {
		return notFound(err, ErrUnauthorized, "load actor")
	}
	if u.Bot {
		return ErrBotsForbidden
	}
	app, err := s.getApplication(ctx, p.ApplicationID)
	if err != nil {
		return notFound(err, ErrUnknownApplication, "load application")
	}
	b, err := s.interactionBase(ctx, u, app, p)
	if err != nil {
		return err
	}
	switch p.Type {
	case opcodes.InteractionApplicationCommand, opcodes.InteractionApplicationCommandAutocomplete:
		err = s.commandInteraction(ctx, b, p)
	case opcodes.InteractionMessageComponent:
		err = s.componentInteraction(ctx, b, p)
	case opcodes.InteractionModalSubmit:
		err = s.modalInteraction(ctx, b, p)
	}
	if err != nil {
		return err
	}
	return s.mint(ctx, b, p)
}

// mint stores the interaction, delivers it and starts the 3-second failure timer.
func (s *Service) mint(ctx context.Context, b *ixBuild, p InteractionParams) error {
	now := s.now()
	b.out.Token = newInteractionToken(b.out.ID)
	b.doc.Nonce, b.doc.Context, b.doc.Owners = p.Nonce, b.out.Context, b.out.AuthorizingIntegrationOwners
	data, err := json.Marshal(b.doc)
	if err != nil {
		return fmt.Errorf("encode interaction: %w", err)
	}
	row := storage.Interaction{ID: b.out.ID, ApplicationID: b.app.ID, Type: int(p.Type), GuildID: b.ch.GuildID,
		ChannelID: b.ch.ID, UserID: b.user.ID, TokenHash: hashToken(b.out.Token), CreatedAt: now,
		ExpiresAt: now.Add(interactionTTL), Data: data}
	if len(b.uploads) > 0 {
		if err := s.putUploads(ctx, b.uploads); err != nil {
			return err
		}
	}
	if err := s.store.Interactions().Create(ctx, row); err != nil {
		return fmt.Errorf("store interaction: %w", err)
	}
	if _, err := s.store.Interactions().DeleteExpired(context.WithoutCancel(ctx), now, interactionCleanup); err != nil {
		s.log.WarnContext(ctx, "clean up expired interactions", "err", err)
	}
	s.publish(ctx, events.Event{Name: opcodes.EventInteractionCreate, UserIDs: []snowflake.ID{b.user.ID}},
		opcodes.InteractionAck{ID: row.ID, Nonce: p.Nonce})
	s.deliverInteraction(ctx, b.app, b.out)
	s.armFailure(row, p.Nonce)
	return nil
}

// publishInteraction sends INTERACTION_CREATE to the application's bot session on the shard
// that owns the guild (GuildID routes it; DMs go to shard 0), whatever its intents. An
// application with an interactions endpoint URL gets a signed POST instead (see
// deliverInteraction in interactions_http.go).
func (s *Service) publishInteraction(ctx context.Context, in opcodes.Interaction) {
	s.publish(ctx, events.Event{Name: opcodes.EventInteractionCreate, GuildID: in.GuildID, UserIDs: []snowflake.ID{in.ApplicationID}}, in)
}

// armFailure sends the invoker INTERACTION_FAILURE if the interaction is still unanswered
// when its 3 seconds are over. The claim is the store's conditional update, so a callback
// on another node and this timer cannot both win. The service clock decides lateness: a
// test clock that has not moved past the window keeps the interaction alive.
func (s *Service) armFailure(row storage.Interaction, nonce string) {
	time.AfterFunc(interactionCallbackWindow+time.Millisecond, func() {
		if s.now().Sub(row.CreatedAt) <= interactionCallbackWindow {
			return
		}
		ctx := context.Background()
		if _, err := s.store.Interactions().Acknowledge(ctx, row.ID, row.TokenHash, time.Time{}, responseFailed); err != nil {
			if !errors.Is(err, storage.ErrConflict) && !errors.Is(err, storage.ErrNotFound) {
				s.log.Warn("interaction failure timer", "interaction_id", row.ID, "err", err)
			}
			return
		}
		s.publish(ctx, events.Event{Name: opcodes.EventInteractionFailure, UserIDs: []snowflake.ID{row.UserID}},
			opcodes.InteractionAck{ID: row.ID, Nonce: nonce})
	})
}

// liveInteraction finds the application's live interaction by token (15 minutes).
func (s *Service) liveInteraction(ctx context.Context, appID snowflake.ID, token string) (interaction, bool, error) {
	st, err := s.store.Interactions().GetByToken(ctx, appID, hashToken(token), s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return interaction{}, false, nil
	}
	if err != nil {
		return interaction{}, false, fmt.Errorf("load interaction: %w", err)
	}
	it, err := decodeInteraction(st)
	if err != nil {
		return interaction{}, false, err
	}
	return it, true, nil
}

// userLocale is the invoking user's client locale; Parley stores none, so en-US.
func userLocale(storage.User) string { return "en-US" }
