package guilds

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// RegisterParams is POST /auth/register.
type RegisterParams struct {
	Username string  `json:"username"`
	Password string  `json:"password"`
	Email    *string `json:"email"`
}

// reservedNames are usernames Discord refuses.
var reservedNames = []string{"everyone", "here", "discord", "clyde", "system message"}

func validateUsername(v *validator, field, name string) {
	v.length(field, name, 2, 32)
	lower := strings.ToLower(name)
	for _, r := range reservedNames {
		if lower == r || (r == "discord" && strings.Contains(lower, r)) {
			v.add(field, "USERNAME_INVALID_CONTAINS", "Username cannot contain \""+r+"\"")
			return
		}
	}
	for _, r := range name {
		if r == '@' || r == '#' || r == ':' || unicode.IsControl(r) {
			v.add(field, "USERNAME_INVALID_CHARACTERS", "Username cannot contain @, #, : or control characters")
			return
		}
	}
	if strings.Contains(name, "```") {
		v.add(field, "USERNAME_INVALID_CHARACTERS", "Username cannot contain ```")
	}
}

// Register creates a human account and returns its first session.
func (s *Service) Register(ctx context.Context, p RegisterParams) (LoginTokens, error) {
	var v validator
	p.Username = strings.TrimSpace(p.Username)
	validateUsername(&v, "username", p.Username)
	if n := len([]rune(p.Password)); n < 8 || n > 72 {
		v.add("password", "PASSWORD_BAD_LENGTH", "Must be between 8 and 72 in length.")
	}
	if p.Email != nil && *p.Email != "" && !strings.Contains(*p.Email, "@") {
		v.add("email", "EMAIL_INVALID", "Not a well formed email address.")
	}
	if err := v.err(); err != nil {
		return LoginTokens{}, err
	}
	hash, err := hashPassword(p.Password)
	if err != nil {
		return LoginTokens{}, err
	}
	u := storage.User{
		ID:            s.ids.Next(),
		Username:      p.Username,
		Discriminator: "0",
		PasswordHash:  hash,
		CreatedAt:     s.now(),
	}
	if p.Email != nil && *p.Email != "" {
		u.Email = p.Email
	}
	if err := s.store.Users().Create(ctx, u); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			v.add("username", "USERNAME_ALREADY_TAKEN", "Username is unavailable. Try adding numbers, letters, underscores _ , or periods.")
			return LoginTokens{}, v.err()
		}
		return LoginTokens{}, fmt.Errorf("create user: %w", err)
	}
	return s.newLoginTokens(ctx, u.ID, "")
}

// LoginParams is POST /auth/login.
type LoginParams struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// Login checks a username and password.
func (s *Service) Login(ctx context.Context, p LoginParams) (LoginTokens, error) {
	u, err := s.store.Users().GetByUsername(ctx, strings.TrimSpace(p.Login))
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			// Hash anyway so a missing user takes as long as a wrong password.
			_, _ = hashPassword(p.Password)
			return LoginTokens{}, ErrInvalidLogin
		}
		return LoginTokens{}, fmt.Errorf("load user: %w", err)
	}
	if u.Bot || !checkPassword(u.PasswordHash, p.Password) {
		return LoginTokens{}, ErrInvalidLogin
	}
	return s.newLoginTokens(ctx, u.ID, "")
}

// CurrentUser is GET /users/@me: the user with private fields.
func (s *Service) CurrentUser(ctx context.Context, userID snowflake.ID) (opcodes.User, error) {
	u, err := s.getUser(ctx, userID)
	if err != nil {
		return opcodes.User{}, notFound(err, ErrUnknownUser, "load user")
	}
	return privateUserShape(u), nil
}

// User is GET /users/{id}.
func (s *Service) User(ctx context.Context, userID snowflake.ID) (opcodes.User, error) {
	u, err := s.getUser(ctx, userID)
	if err != nil {
		return opcodes.User{}, notFound(err, ErrUnknownUser, "load user")
	}
	return userShape(u), nil
}

// usersByID loads users into a map; unknown IDs are skipped.
func (s *Service) usersByID(ctx context.Context, ids []snowflake.ID) (map[snowflake.ID]storage.User, error) {
	out := make(map[snowflake.ID]storage.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var missing []snowflake.ID
	var gen uint64
	for _, id := range dedupe(ids) {
		u, ok, g := s.users.get(id)
		if ok {
			out[id] = u
			continue
		}
		if len(missing) == 0 {
			gen = g // the oldest generation seen before the load
		}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return out, nil
	}
	us, err := s.store.Users().GetMany(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	for _, u := range us {
		out[u.ID] = u
		s.users.put(u.ID, u, gen)
	}
	return out, nil
}

func dedupe(ids []snowflake.ID) []snowflake.ID {
	seen := make(map[snowflake.ID]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// ModifyUserParams is PATCH /users/@me. Nil fields are left alone.
type ModifyUserParams struct {
	Username   *string                  `json:"username"`
	GlobalName opcodes.Nullable[string] `json:"global_name"`
	Avatar     opcodes.Nullable[string] `json:"avatar"`
}

// ModifyCurrentUser changes the user's own profile and publishes USER_UPDATE to them.
func (s *Service) ModifyCurrentUser(ctx context.Context, userID snowflake.ID, p ModifyUserParams) (opcodes.User, error) {
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return opcodes.User{}, notFound(err, ErrUnknownUser, "load user")
	}
	var v validator
	if p.Username != nil {
		name := strings.TrimSpace(*p.Username)
		validateUsername(&v, "username", name)
		u.Username = name
	}
	if p.GlobalName.Set {
		if !p.GlobalName.Null {
			v.length("global_name", p.GlobalName.Value, 1, 32)
		}
		u.GlobalName = p.GlobalName.Ptr()
	}
	if p.Avatar.Set {
		if p.Avatar.Null {
			u.Avatar = nil
		} else {
			hash, err := imageHash(p.Avatar.Value)
			if err != nil {
				v.add("avatar", "IMAGE_INVALID", "Invalid image data")
			} else {
				u.Avatar = &hash
				s.keepImage(ctx, CDNAvatars, u.ID, p.Avatar.Value)
			}
		}
	}
	if err := v.err(); err != nil {
		return opcodes.User{}, err
	}
	err = s.store.Users().Update(ctx, u)
	s.users.invalidate(userID)
	if err != nil {
		if errors.Is(err, storage.ErrConflict) {
			v.add("username", "USERNAME_ALREADY_TAKEN", "Username is unavailable. Try adding numbers, letters, underscores _ , or periods.")
			return opcodes.User{}, v.err()
		}
		return opcodes.User{}, fmt.Errorf("update user: %w", err)
	}
	out := privateUserShape(u)
	s.publish(ctx, events.Event{Name: opcodes.EventUserUpdate, UserIDs: []snowflake.ID{userID}}, out)
	return out, nil
}

// botDiscriminator gives bots a legacy 4-digit tag, as Discord still does.
func botDiscriminator() string {
	return fmt.Sprintf("%04d", 1+rand.IntN(9999))
}
