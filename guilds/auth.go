package guilds

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/argon2"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Identity is who a token belongs to.
type Identity struct {
	UserID snowflake.ID
	Bot    bool
	// AppFlags are the bot's application flags (they enable privileged intents); 0 for users.
	AppFlags int
	// TokenFamily names the credential the token belongs to, so that whatever it opened (a
	// gateway session) can be closed when that credential is revoked: a user's refresh-token
	// family (every access token minted by its logins and refreshes carries it), or for a bot
	// "bot:" and its token's issue stamp (a reset revokes it). See Revocation.
	TokenFamily string
}

// Authenticate resolves a token from an Authorization header or an Identify payload: a bot
// token with or without the "Bot " prefix, or a user's JWT with or without "Bearer ".
func (s *Service) Authenticate(ctx context.Context, token string) (Identity, error) {
	token = strings.TrimSpace(token)
	switch {
	case strings.HasPrefix(token, "Bot "):
		return s.authenticateBot(ctx, strings.TrimSpace(token[4:]))
	case strings.HasPrefix(token, "Bearer "):
		return s.authenticateUser(ctx, strings.TrimSpace(token[7:]))
	}
	if strings.Count(token, ".") == 2 && !strings.HasPrefix(token, "eyJ") {
		return s.authenticateBot(ctx, token)
	}
	return s.authenticateUser(ctx, token)
}

func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// botToken builds Discord's token shape: unpadded base64 of the decimal bot ID (libraries such
// as disgo decode it into the application ID), a base64 issue stamp, and an HMAC.
func (s *Service) botToken(id snowflake.ID, issued int64) string {
	p1 := base64.RawStdEncoding.EncodeToString([]byte(id.String()))
	var stamp [8]byte
	binary.BigEndian.PutUint64(stamp[:], uint64(issued))
	p2 := base64.RawURLEncoding.EncodeToString(stamp[2:]) // 6 bytes → 8 chars
	return p1 + "." + p2 + "." + s.botSignature(p1, p2)
}

func (s *Service) botSignature(p1, p2 string) string {
	m := hmac.New(sha256.New, s.botKey)
	m.Write([]byte(p1 + "." + p2))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) authenticateBot(ctx context.Context, token string) (Identity, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Identity{}, ErrUnauthorized
	}
	want := s.botSignature(parts[0], parts[1])
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[2])) != 1 {
		return Identity{}, ErrUnauthorized
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[0])
	if err != nil {
		return Identity{}, ErrUnauthorized
	}
	id, err := snowflake.Parse(string(raw))
	if err != nil {
		return Identity{}, ErrUnauthorized
	}
	stampBytes, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(stampBytes) != 6 {
		return Identity{}, ErrUnauthorized
	}
	var stamp [8]byte
	copy(stamp[2:], stampBytes)
	issued := int64(binary.BigEndian.Uint64(stamp[:]))
	app, err := s.getApplication(ctx, id)
	if err == nil && issued > app.BotTokenIssued {
		// A token newer than the cached stamp: it was reset on another node; reload.
		_, _, gen := s.apps.get(id)
		app, err = s.loadApplication(ctx, id, gen)
	}
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return Identity{}, ErrUnauthorized
		}
		return Identity{}, fmt.Errorf("load application: %w", err)
	}
	// A reset moves BotTokenIssued, which revokes every earlier token.
	if app.BotTokenIssued == 0 || app.BotTokenIssued != issued {
		return Identity{}, ErrUnauthorized
	}
	return Identity{UserID: id, Bot: true, AppFlags: app.Flags, TokenFamily: botFamily(issued)}, nil
}

// botFamily is a bot token's TokenFamily: only one bot token is valid at a time, the one
// with the application's current issue stamp.
func botFamily(issued int64) string { return botFamilyPrefix + strconv.FormatInt(issued, 10) }

const botFamilyPrefix = "bot:"

type accessClaims struct {
	jwt.RegisteredClaims
	Kind string `json:"knd"`
	// Family is the refresh-token family the access token was minted for (OpenID's session
	// ID claim); revoking the family revokes the access token at once.
	Family string `json:"sid"`
}

func (s *Service) accessToken(userID snowflake.ID, family string) (string, error) {
	now := s.now()
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID.String(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.access)),
		},
		Kind:   "access",
		Family: family,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.jwtKey)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return tok, nil
}

// verifiedToken is a checked access token's subject, family and expiry.
type verifiedToken struct {
	userID  snowflake.ID
	family  string
	expires time.Time
}

// verifyAccessToken checks a JWT's signature and claims, remembering the result per token.
// Tokens without a family (minted before families were carried) are refused: they could not
// be revoked; the client refreshes, and its refresh token still works.
func (s *Service) verifyAccessToken(token string) (verifiedToken, bool) {
	now := s.now()
	if v, ok, _ := s.tokens.get(token); ok {
		return v, now.Before(v.expires)
	}
	var c accessClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.jwtKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired())
	if err != nil || c.Kind != "access" || c.ExpiresAt == nil || c.Family == "" {
		return verifiedToken{}, false
	}
	id, err := snowflake.Parse(c.Subject)
	if err != nil {
		return verifiedToken{}, false
	}
	v := verifiedToken{userID: id, family: c.Family, expires: c.ExpiresAt.Time}
	// Only valid tokens are remembered, so garbage cannot fill the cache. The key is copied:
	// callers may pass a string that aliases a reused buffer (Fiber's header values do).
	s.tokens.put(strings.Clone(token), v, 0)
	return v, true
}

func (s *Service) authenticateUser(ctx context.Context, token string) (Identity, error) {
	v, ok := s.verifyAccessToken(token)
	if !ok {
		return Identity{}, ErrUnauthorized
	}
	revoked, err := s.familyRevoked(ctx, v.family)
	if err != nil {
		return Identity{}, err
	}
	if revoked {
		return Identity{}, ErrUnauthorized
	}
	u, err := s.getUser(ctx, v.userID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return Identity{}, ErrUnauthorized
		}
		return Identity{}, fmt.Errorf("load user: %w", err)
	}
	return Identity{UserID: u.ID, Bot: u.Bot, TokenFamily: v.family}, nil
}

// familyRevoked answers from the family cache, loading from the store on a miss. Revocations
// reach the cache at once on every node through the revocation event (see Revocation); the
// cache's TTL bounds how long a missed event could go unnoticed.
func (s *Service) familyRevoked(ctx context.Context, family string) (bool, error) {
	revoked, ok, gen := s.families.get(family)
	if ok {
		return revoked, nil
	}
	revoked, err := s.store.Tokens().FamilyRevoked(ctx, family)
	if err != nil {
		return false, fmt.Errorf("check token family: %w", err)
	}
	s.families.put(strings.Clone(family), revoked, gen)
	return revoked, nil
}

// LoginTokens is what register, login and refresh return: a short-lived access token (a JWT)
// and a refresh token that can be exchanged once for a new pair. It is not a connection: the
// gateway's socket session is gateway.Session, and a LoginTokens pair may back many of them.
type LoginTokens struct {
	Token        string       `json:"token"`
	RefreshToken string       `json:"refresh_token"`
	UserID       snowflake.ID `json:"user_id"`
	ExpiresIn    int          `json:"expires_in"`
}

// newLoginTokens mints a token pair; family "" starts a new family (a login).
func (s *Service) newLoginTokens(ctx context.Context, userID snowflake.ID, family string) (LoginTokens, error) {
	if family == "" {
		// Random, not derived from a token: access tokens carry it in the clear.
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return LoginTokens{}, fmt.Errorf("generate token family: %w", err)
		}
		family = base64.RawURLEncoding.EncodeToString(id)
	}
	access, err := s.accessToken(userID, family)
	if err != nil {
		return LoginTokens{}, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return LoginTokens{}, fmt.Errorf("generate refresh token: %w", err)
	}
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	err = s.store.Tokens().Create(ctx, storage.RefreshToken{
		ID:        refreshID(refresh),
		UserID:    userID,
		FamilyID:  family,
		ExpiresAt: s.now().Add(s.refresh),
	})
	if err != nil {
		return LoginTokens{}, fmt.Errorf("store refresh token: %w", err)
	}
	return LoginTokens{Token: access, RefreshToken: refresh, UserID: userID, ExpiresIn: int(s.access / time.Second)}, nil
}

// refreshID is what the store keeps: a hash, so a leaked database holds no usable token.
func refreshID(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// Refresh exchanges a refresh token for a new session. Presenting a token a second time is
// treated as theft: the whole family is revoked and ErrRefreshReused returned.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (LoginTokens, error) {
	id := refreshID(refreshToken)
	t, err := s.store.Tokens().Get(ctx, id)
	if err != nil {
		return LoginTokens{}, notFound(err, ErrUnauthorized, "load refresh token")
	}
	if t.Revoked || s.now().After(t.ExpiresAt) {
		return LoginTokens{}, ErrUnauthorized
	}
	// A token minted by a refresh that raced the family's revocation is not itself marked.
	revoked, err := s.familyRevoked(ctx, t.FamilyID)
	if err != nil {
		return LoginTokens{}, err
	}
	if revoked {
		return LoginTokens{}, ErrUnauthorized
	}
	first, err := s.store.Tokens().MarkUsed(ctx, id, s.now())
	if err != nil {
		return LoginTokens{}, fmt.Errorf("mark refresh token used: %w", err)
	}
	if !first {
		if err := s.revokeFamily(ctx, t.UserID, t.FamilyID); err != nil {
			return LoginTokens{}, err
		}
		return LoginTokens{}, ErrRefreshReused
	}
	return s.newLoginTokens(ctx, t.UserID, t.FamilyID)
}

// Logout is POST /auth/logout: it revokes the family of the token the user presented, so its
// refresh token, every access token of the family and the gateway sessions they opened stop
// working at once, on every node.
func (s *Service) Logout(ctx context.Context, id Identity) error {
	if id.Bot || id.TokenFamily == "" || strings.HasPrefix(id.TokenFamily, botFamilyPrefix) {
		return ErrUnauthorized
	}
	return s.revokeFamily(ctx, id.UserID, id.TokenFamily)
}

// revokeFamily revokes a user's token family in the store, then tells every node.
func (s *Service) revokeFamily(ctx context.Context, userID snowflake.ID, family string) error {
	if err := s.store.Tokens().RevokeFamily(ctx, family); err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	s.publishRevocation(ctx, Revocation{UserID: userID, Family: family})
	return nil
}

// EventTokensRevoked is Parley's own bus event (never dispatched to clients) announcing a
// Revocation; its Data is the Revocation's JSON, read with RevocationOf. It is published
// with Cache set, so it reaches every node (events.CacheTopic) as well as the user's topic.
const EventTokensRevoked opcodes.EventName = "PARLEY_TOKENS_REVOKED"

// Revocation says that a credential stopped working: every node's Service drops what it
// cached about it, and every node's gateway closes the sessions it authenticated with 4004.
type Revocation struct {
	// UserID is the credential's user (or bot).
	UserID snowflake.ID `json:"user_id"`
	// Family is the revoked Identity.TokenFamily.
	Family string `json:"family"`
}

func (s *Service) publishRevocation(ctx context.Context, r Revocation) {
	s.publish(ctx, events.Event{Name: EventTokensRevoked, UserIDs: []snowflake.ID{r.UserID}}, r)
}

// RevocationOf extracts the Revocation an EventTokensRevoked carries.
func RevocationOf(ev events.Event) (Revocation, bool) {
	if ev.Name != EventTokensRevoked {
		return Revocation{}, false
	}
	var r Revocation
	if json.Unmarshal(ev.Data, &r) != nil || r.Family == "" {
		return Revocation{}, false
	}
	return r, true
}

// observeRevocation updates the caches for a revocation from this node or another.
func (s *Service) observeRevocation(r Revocation) {
	if strings.HasPrefix(r.Family, botFamilyPrefix) {
		s.apps.invalidate(r.UserID) // the next use reloads the new stamp
		return
	}
	s.families.set(r.Family, true)
}

// Password hashing: argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("generate salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
