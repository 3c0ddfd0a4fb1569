package guilds

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/guilds/endpoint"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// HTTP interactions. An application with an interactions endpoint URL receives its
// interactions as signed POSTs there instead of INTERACTION_CREATE on its bot's gateway
// sessions (Discord's two delivery ways are mutually exclusive), and the POST's answer is its
// initial response, handled exactly as POST /interactions/{id}/{token}/callback.
//
// Each application has an Ed25519 key pair (storage.ApplicationKey), made when the
// application is created or, for older ones, on first use; its public half is verify_key.

// Errors of HTTP interactions.
var (
	// errEndpointAnswer: the endpoint answered, but not with a usable initial response.
	errEndpointAnswer = errors.New("guilds: interactions endpoint gave an unusable answer")
)

// callbackPong is the PONG callback type an endpoint answers a PING with.
const callbackPong opcodes.InteractionCallbackType = 1

// endpointURLInvalid is Discord's field error when the URL fails verification.
const endpointURLInvalid = "The specified interactions endpoint url could not be verified."

// signingKey returns appID's Ed25519 private key, generating and storing one on first use.
// Keys never change, so they are cached without invalidation.
func (s *Service) signingKey(ctx context.Context, appID snowflake.ID) (ed25519.PrivateKey, error) {
	if k, ok, _ := s.appKeys.get(appID); ok {
		return k, nil
	}
	stored, err := s.store.Applications().Key(ctx, appID)
	if errors.Is(err, storage.ErrNotFound) {
		stored, err = s.storeNewKey(ctx, appID)
	}
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	if len(stored.PrivateKey) != ed25519.SeedSize {
		return nil, fmt.Errorf("load signing key: stored seed has %d bytes", len(stored.PrivateKey))
	}
	k := ed25519.NewKeyFromSeed(stored.PrivateKey)
	s.appKeys.set(appID, k)
	return k, nil
}

// storeNewKey generates a key pair for appID and stores it unless another node or request
// stored one first; it returns the key that is stored.
func (s *Service) storeNewKey(ctx context.Context, appID snowflake.ID) (storage.ApplicationKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return storage.ApplicationKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	return s.store.Applications().PutKeyIfAbsent(ctx, storage.ApplicationKey{
		ApplicationID: appID, PublicKey: pub, PrivateKey: priv.Seed(), CreatedAt: s.now(),
	})
}

// verifyKeyHex is the application object's verify_key: the hex public key.
func (s *Service) verifyKeyHex(ctx context.Context, appID snowflake.ID) (string, error) {
	k, err := s.signingKey(ctx, appID)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(k.Public().(ed25519.PublicKey)), nil
}

// setEndpointURL validates and verifies a new interactions_endpoint_url for a, as Discord
// does before saving one: a signed PING must be answered 200 with a PONG ({"type": 1}), and a
// badly signed PING must be refused with 401. Empty clears the URL (back to the gateway).
func (s *Service) setEndpointURL(ctx context.Context, v *validator, a *storage.Application, raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		a.InteractionsEndpointURL = ""
		return nil
	}
	if err := endpoint.CheckURL(raw); err != nil {
		if len(raw) > endpoint.MaxURLLength {
			v.add("interactions_endpoint_url", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", endpoint.MaxURLLength))
		} else {
			v.add("interactions_endpoint_url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
		return nil
	}
	if err := v.err(); err != nil {
		return nil // no outbound request for a body that fails anyway
	}
	key, err := s.signingKey(ctx, a.ID)
	if err != nil {
		return err
	}
	if err := s.verifyEndpoint(ctx, a.ID, key, raw); err != nil {
		s.log.InfoContext(ctx, "interactions endpoint verification failed", "application_id", a.ID, "url", raw, "err", err)
		v.add("interactions_endpoint_url", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID", endpointURLInvalid)
		return nil
	}
	a.InteractionsEndpointURL = raw
	return nil
}

// verifyEndpoint runs Discord's two checks against url.
func (s *Service) verifyEndpoint(ctx context.Context, appID snowflake.ID, key ed25519.PrivateKey, url string) error {
	pingID := s.ids.Next()
	ping, err := json.Marshal(opcodes.Interaction{
		ID: pingID, ApplicationID: appID, Type: opcodes.InteractionPing,
		Token: newInteractionToken(pingID), Version: 1, Entitlements: []json.RawMessage{},
		AuthorizingIntegrationOwners: map[opcodes.IntegrationType]snowflake.ID{},
	})
	if err != nil {
		return fmt.Errorf("encode ping: %w", err)
	}
	resp, err := s.endpoints.Post(ctx, uint64(appID), key, url, ping)
	if err != nil {
		return err
	}
	var pong struct {
		Type opcodes.InteractionCallbackType `json:"type"`
	}
	if resp.Status != http.StatusOK || !isJSON(resp.ContentType) || json.Unmarshal(resp.Body, &pong) != nil || pong.Type != callbackPong {
		return fmt.Errorf("%w: signed ping answered %d %q", errEndpointAnswer, resp.Status, truncate(resp.Body, 200))
	}
	resp, err = s.endpoints.PostBadlySigned(ctx, uint64(appID), key, url, ping)
	if err != nil {
		return err
	}
	if resp.Status != http.StatusUnauthorized {
		return fmt.Errorf("%w: badly signed ping answered %d, not 401", errEndpointAnswer, resp.Status)
	}
	return nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// deliverInteraction hands a minted interaction to its application: signed POST to its
// interactions endpoint URL if it has one, else INTERACTION_CREATE to its bot's sessions.
// The POST runs off the caller's goroutine (POST /interactions answers at once, as on
// Discord) and is bounded by the endpoint client; its failure only fails the interaction.
func (s *Service) deliverInteraction(ctx context.Context, app storage.Application, out opcodes.Interaction) {
	if app.InteractionsEndpointURL == "" {
		s.publishInteraction(ctx, out)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		s.log.ErrorContext(ctx, "encode interaction", "err", err)
		return
	}
	ctx = context.WithoutCancel(ctx)
	s.deliveries.Add(1)
	go func() {
		defer s.deliveries.Done()
		if err := s.postInteraction(ctx, app, out.ID, out.Token, body); err != nil {
			s.log.InfoContext(ctx, "interaction delivery failed", "application_id", app.ID, "interaction_id", out.ID, "err", err)
		}
	}()
}

// postInteraction POSTs one interaction and applies the answer as its initial response.
func (s *Service) postInteraction(ctx context.Context, app storage.Application, id snowflake.ID, token string, body []byte) error {
	key, err := s.signingKey(ctx, app.ID)
	if err != nil {
		return err
	}
	resp, err := s.endpoints.Post(ctx, uint64(app.ID), key, app.InteractionsEndpointURL, body)
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK {
		return fmt.Errorf("%w: status %d", errEndpointAnswer, resp.Status)
	}
	p, err := decodeEndpointAnswer(resp.ContentType, resp.Body)
	if err != nil {
		return err
	}
	if _, err := s.InteractionCallback(ctx, id, token, p, false); err != nil {
		return fmt.Errorf("apply endpoint answer: %w", err)
	}
	return nil
}

// decodeEndpointAnswer reads an endpoint's answer body: an interaction response as JSON, or
// as multipart/form-data with the JSON in payload_json and files[n] attachments (Discord
// accepts both, as for the callback route).
func decodeEndpointAnswer(contentType string, body []byte) (InteractionCallbackParams, error) {
	var p InteractionCallbackParams
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return p, fmt.Errorf("%w: content type %q", errEndpointAnswer, contentType)
	}
	switch mt {
	case "application/json":
		if err := json.Unmarshal(body, &p); err != nil {
			return p, fmt.Errorf("%w: %v", errEndpointAnswer, err)
		}
		return p, nil
	case "multipart/form-data":
		return decodeMultipartAnswer(body, params["boundary"])
	default:
		return p, fmt.Errorf("%w: content type %q", errEndpointAnswer, mt)
	}
}

// maxAnswerParts bounds a multipart answer's parts (Discord allows 10 files).
const maxAnswerParts = 11

func decodeMultipartAnswer(body []byte, boundary string) (InteractionCallbackParams, error) {
	var p InteractionCallbackParams
	if boundary == "" {
		return p, fmt.Errorf("%w: multipart without boundary", errEndpointAnswer)
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	var payload []byte
	var files []File
	taken := map[int]bool{}
	for n := 0; ; n++ {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, fmt.Errorf("%w: %v", errEndpointAnswer, err)
		}
		if n >= maxAnswerParts {
			return p, fmt.Errorf("%w: more than %d parts", errEndpointAnswer, maxAnswerParts)
		}
		data, err := io.ReadAll(part) // body is already capped by the endpoint client
		if err != nil {
			return p, fmt.Errorf("%w: %v", errEndpointAnswer, err)
		}
		name := part.FormName()
		switch {
		case name == "payload_json":
			payload = data
		case part.FileName() != "":
			idx, ok := answerFileIndex(name)
			if !ok || taken[idx] {
				return p, fmt.Errorf("%w: file part %q", errEndpointAnswer, name)
			}
			taken[idx] = true
			files = append(files, File{Index: idx, Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data})
		}
	}
	if payload == nil {
		return p, fmt.Errorf("%w: multipart without payload_json", errEndpointAnswer)
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return p, fmt.Errorf("%w: payload_json: %v", errEndpointAnswer, err)
	}
	p.Files = files
	return p, nil
}

// answerFileIndex parses files[n].
func answerFileIndex(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "files[")
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, "]")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0 && n < 10
}
