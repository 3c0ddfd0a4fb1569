package storagetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// base keeps test IDs in the realistic snowflake range (well above 32 bits).
const base = snowflake.ID(1) << 50

func sf(n int) snowflake.ID { return base + snowflake.ID(n) }

// at is a fixed instant with sub-microsecond precision, to prove times round-trip exactly.
func at(n int) time.Time {
	return time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC).Add(time.Duration(n) * time.Second)
}

func ptr[T any](v T) *T { return &v }

func noErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func idsOf[T any](xs []T, id func(T) snowflake.ID) []snowflake.ID {
	out := make([]snowflake.ID, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func msgIDs(ms []storage.Message) []snowflake.ID {
	return idsOf(ms, func(m storage.Message) snowflake.ID { return m.ID })
}

func sfs(ns ...int) []snowflake.ID {
	out := make([]snowflake.ID, 0, len(ns))
	for _, n := range ns {
		out = append(out, sf(n))
	}
	return out
}

func sorted(ids []snowflake.ID) []snowflake.ID {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

func human(n int, name string) storage.User {
	return storage.User{ID: sf(n), Username: name, Discriminator: "0", PasswordHash: "hash", Email: ptr(name + "@example.com"), CreatedAt: at(n)}
}

func newGuild(n int, owner snowflake.ID) storage.Guild {
	return storage.Guild{ID: sf(n), Name: fmt.Sprintf("guild %d", n), OwnerID: owner, PreferredLocale: "en-US",
		Features: []string{"COMMUNITY"}, CreatedAt: at(n)}
}

func newChannel(n int, guild snowflake.ID, pos int) storage.Channel {
	return storage.Channel{ID: sf(n), GuildID: guild, Type: 0, Name: fmt.Sprintf("chan-%d", n), Position: pos,
		Overwrites: []storage.Overwrite{{ID: guild, Type: 0, Allow: 1 << 40, Deny: 3}}}
}

func newMessage(n int, channel, guild snowflake.ID) storage.Message {
	return storage.Message{ID: sf(n), ChannelID: channel, GuildID: guild, AuthorID: sf(1), Content: fmt.Sprintf("msg %d", n)}
}

// newAttachment is attachment n of a message, with a little binary data.
func newAttachment(n int, channel, message snowflake.ID) storage.Attachment {
	data := []byte{0x89, 'P', 'N', 'G', 0, byte(n), 0xff}
	return storage.Attachment{ID: sf(n), ChannelID: channel, MessageID: message, Filename: fmt.Sprintf("file-%d.png", n),
		ContentType: "image/png", Size: len(data), Data: data}
}

// attachmentGone fails unless the attachment's presence is as wanted.
func attachmentGone(t *testing.T, s storage.Store, channel, id snowflake.ID, gone bool, what string) {
	t.Helper()
	_, err := s.Attachments().Get(t.Context(), channel, id)
	if gone {
		wantErr(t, err, storage.ErrNotFound, what)
	} else {
		noErr(t, err, what)
	}
}

func createMessages(t *testing.T, s storage.Store, channel, guild snowflake.ID, ns ...int) {
	t.Helper()
	for _, n := range ns {
		noErr(t, s.Messages().Create(t.Context(), newMessage(n, channel, guild)), "create message")
	}
}
