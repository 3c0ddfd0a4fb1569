package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testAttachments(t *testing.T, s storage.Store) {
	ctx := t.Context()
	as := s.Attachments()
	ch, msg := sf(10), sf(20)
	a := newAttachment(1, ch, msg)
	empty := storage.Attachment{ID: sf(2), ChannelID: ch, MessageID: msg, Filename: "empty.txt", ContentType: "text/plain", Data: []byte{}}
	big := newAttachment(3, ch, msg)
	big.Data = make([]byte, 1<<20)
	for i := range big.Data {
		big.Data[i] = byte(i * 7)
	}
	big.Size = len(big.Data)
	noErr(t, as.Put(ctx, a, empty, big), "put attachments")
	noErr(t, as.Put(ctx), "put nothing")

	for _, tc := range []struct {
		name string
		want storage.Attachment
	}{{"binary", a}, {"empty", empty}, {"1 MiB", big}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := as.Get(ctx, ch, tc.want.ID)
			noErr(t, err, "get attachment")
			equal(t, "attachment", got, tc.want)
		})
	}
	_, err := as.Get(ctx, sf(11), a.ID)
	wantErr(t, err, storage.ErrNotFound, "get attachment through another channel")
	_, err = as.Get(ctx, ch, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown attachment")

	// Put is atomic: a duplicate aborts the whole batch.
	fresh := newAttachment(4, ch, msg)
	wantErr(t, as.Put(ctx, fresh, a), storage.ErrConflict, "put duplicate")
	attachmentGone(t, s, ch, fresh.ID, true, "attachment of a failed batch")

	// Delete only touches the given message's attachments.
	other := newAttachment(5, ch, sf(21))
	noErr(t, as.Put(ctx, other), "put other message's attachment")
	noErr(t, as.Delete(ctx, msg, []snowflake.ID{a.ID, other.ID, sf(98)}), "delete attachments")
	attachmentGone(t, s, ch, a.ID, true, "deleted attachment")
	attachmentGone(t, s, ch, other.ID, false, "other message's attachment")
	attachmentGone(t, s, ch, empty.ID, false, "attachment not listed")
	noErr(t, as.Delete(ctx, msg, nil), "delete none")

	noErr(t, as.DeleteByMessage(ctx, msg), "delete by message")
	attachmentGone(t, s, ch, empty.ID, true, "attachment after DeleteByMessage")
	attachmentGone(t, s, ch, big.ID, true, "attachment after DeleteByMessage")
	attachmentGone(t, s, ch, other.ID, false, "other message's attachment after DeleteByMessage")
}

// testAttachmentCascades checks that every message delete takes the message's files along.
func testAttachmentCascades(t *testing.T, s storage.Store) {
	ctx := t.Context()
	m := s.Messages()
	g, ch, ch2 := sf(100), sf(1), sf(2)
	createMessages(t, s, ch, g, 10, 11, 12, 13)
	createMessages(t, s, ch2, g, 14)
	for _, n := range []int{10, 11, 12, 13} {
		noErr(t, s.Attachments().Put(ctx, newAttachment(n+100, ch, sf(n))), "put attachment")
	}
	noErr(t, s.Attachments().Put(ctx, newAttachment(114, ch2, sf(14))), "put attachment")

	noErr(t, m.Delete(ctx, ch, sf(10)), "delete message")
	attachmentGone(t, s, ch, sf(110), true, "attachment of deleted message")
	attachmentGone(t, s, ch, sf(111), false, "attachment of another message")

	_, err := m.DeleteMany(ctx, ch, sfs(11, 12))
	noErr(t, err, "delete many")
	attachmentGone(t, s, ch, sf(111), true, "attachment of bulk-deleted message")
	attachmentGone(t, s, ch, sf(112), true, "attachment of bulk-deleted message")
	attachmentGone(t, s, ch, sf(113), false, "attachment of a message not bulk-deleted")

	_, err = m.DeleteByAuthorSince(ctx, g, sf(1), sf(13))
	noErr(t, err, "delete by author")
	attachmentGone(t, s, ch, sf(113), true, "attachment of a purged message")
	attachmentGone(t, s, ch2, sf(114), true, "attachment of a purged message in another channel")
}
