package guilds_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func pageLimit(n int) guilds.Page { return guilds.Page{Limit: n} }

func TestMessageLifecycle(t *testing.T) {
	f := newFixture(t)
	bot, _ := f.bot("helper", opcodes.PermSendMessages|opcodes.PermViewChannel|opcodes.PermReadMessageHistory)
	content := "hello <@" + bot.String() + "> & <b>bold</b>"
	msg, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: content, Nonce: json.RawMessage(`"n1"`)})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Content != content {
		t.Fatalf("content = %q, want it stored as sent %q", msg.Content, content)
	}
	if len(msg.Mentions) != 1 || msg.Mentions[0].ID != bot {
		t.Fatalf("mentions = %+v, want the bot", msg.Mentions)
	}
	evs := f.rec.named(opcodes.EventMessageCreate)
	if len(evs) != 1 || evs[0].ChannelID != f.chID || evs[0].AuthorID != f.owner {
		t.Fatalf("MESSAGE_CREATE events = %+v", evs)
	}
	d := eventData[opcodes.Message](t, evs[0])
	if d.GuildID == nil || *d.GuildID != f.guild.ID || d.Member == nil {
		t.Fatalf("gateway extras missing: guild_id=%v member=%v", d.GuildID, d.Member)
	}
	// A guild message carries its MESSAGE_CONTENT-stripped form, encoded at publish: same
	// message, no content (the gateway sends it to sessions without the intent).
	var st opcodes.Message
	if err := json.Unmarshal(evs[0].Stripped, &st); err != nil {
		t.Fatalf("stripped form %q: %v", evs[0].Stripped, err)
	}
	if st.ID != d.ID || st.Content != "" || st.Embeds == nil || st.Attachments == nil || st.Components == nil || st.Member == nil {
		t.Fatalf("stripped form = %+v", st)
	}
	if evs[0].Cache {
		t.Fatal("MESSAGE_CREATE marked Cache: it would go to every node")
	}

	// enforce_nonce returns the first message for a repeated nonce.
	again, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "dup", Nonce: json.RawMessage(`"n2"`), EnforceNonce: true})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "dup", Nonce: json.RawMessage(`"n2"`), EnforceNonce: true})
	if err != nil || dup.ID != again.ID {
		t.Fatalf("enforce_nonce: got %v (%v), want %v", dup.ID, err, again.ID)
	}

	// Reply carries referenced_message.
	reply, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "re",
		MessageReference: &opcodes.MessageReference{MessageID: &msg.ID}})
	if err != nil || reply.Type != opcodes.MessageReply || reply.ReferencedMessage == nil || reply.ReferencedMessage.ID != msg.ID {
		t.Fatalf("reply = %+v, %v", reply, err)
	}

	edited := "edited"
	got, err := f.svc.EditMessage(f.ctx, f.owner, f.chID, msg.ID, guilds.EditMessageParams{Content: &edited})
	if err != nil || got.Content != edited || got.EditedTimestamp == nil {
		t.Fatalf("edit = %+v, %v", got, err)
	}
	if _, err := f.svc.EditMessage(f.ctx, bot, f.chID, msg.ID, guilds.EditMessageParams{Content: &edited}); err != guilds.ErrCannotEditOthersMessage {
		t.Fatalf("edit by other: err = %v", err)
	}

	if err := f.svc.AddReaction(f.ctx, f.owner, f.chID, msg.ID, guilds.EmojiRef{Name: "👍"}, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddReaction(f.ctx, bot, f.chID, msg.ID, guilds.EmojiRef{Name: "👍"}, false); err != nil {
		t.Fatal(err)
	}
	read, err := f.svc.Message(f.ctx, f.owner, f.chID, msg.ID)
	if err != nil || len(read.Reactions) != 1 || read.Reactions[0].Count != 2 || !read.Reactions[0].Me {
		t.Fatalf("reactions = %+v, %v", read.Reactions, err)
	}
	users, err := f.svc.ReactionUsers(f.ctx, f.owner, f.chID, msg.ID, guilds.EmojiRef{Name: "👍"}, false, 0, 25)
	if err != nil || len(users) != 2 {
		t.Fatalf("reaction users = %v, %v", users, err)
	}

	if err := f.svc.Pin(f.ctx, f.owner, f.chID, msg.ID); err != nil {
		t.Fatal(err)
	}
	pins, err := f.svc.PinsPaged(f.ctx, f.owner, f.chID, nil, 50)
	if err != nil || len(pins.Items) != 1 || pins.Items[0].Message.ID != msg.ID {
		t.Fatalf("pins = %+v, %v", pins, err)
	}

	if err := f.svc.DeleteMessage(f.ctx, f.owner, f.chID, msg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Message(f.ctx, f.owner, f.chID, msg.ID); err != guilds.ErrUnknownMessage {
		t.Fatalf("after delete: err = %v", err)
	}
}

func TestMessageHistoryPaging(t *testing.T) {
	f := newFixture(t)
	var ids []snowflake.ID
	for i := 0; i < 30; i++ {
		m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "m"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	page, err := f.svc.Messages(f.ctx, f.owner, f.chID, guilds.Page{Before: ids[20], Limit: 5})
	if err != nil || len(page) != 5 || page[0].ID != ids[19] || page[4].ID != ids[15] {
		t.Fatalf("before page = %d msgs, %v", len(page), err)
	}
	page, err = f.svc.Messages(f.ctx, f.owner, f.chID, guilds.Page{After: ids[2], Limit: 3})
	if err != nil || len(page) != 3 || page[0].ID != ids[5] || page[2].ID != ids[3] {
		t.Fatalf("after page wrong: %v", err)
	}
}

func TestMentionEveryoneNeedsPermission(t *testing.T) {
	f := newFixture(t)
	m := f.member("pleb")
	// @everyone's default permissions include MENTION_EVERYONE; remove it.
	perms := opcodes.PermDefaultEveryone &^ opcodes.PermMentionEveryone
	if _, err := f.svc.ModifyRole(f.ctx, f.owner, f.guild.ID, f.guild.ID, guilds.RoleParams{Permissions: &perms}); err != nil {
		t.Fatal(err)
	}
	msg, err := f.svc.CreateMessage(f.ctx, m, f.chID, guilds.MessageParams{Content: "@everyone hi"})
	if err != nil || msg.MentionEveryone {
		t.Fatalf("mention_everyone = %v (%v), want false without MENTION_EVERYONE", msg.MentionEveryone, err)
	}
	msg, err = f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "@everyone hi"})
	if err != nil || !msg.MentionEveryone {
		t.Fatalf("owner mention_everyone = %v (%v), want true", msg.MentionEveryone, err)
	}
}

func TestMaxPins(t *testing.T) {
	f := newFixture(t)
	var last opcodes.Message
	for i := 0; i <= 250; i++ {
		m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "pin"})
		if err != nil {
			t.Fatal(err)
		}
		last = m
		if i == 250 {
			break
		}
		if err := f.svc.Pin(f.ctx, f.owner, f.chID, m.ID); err != nil {
			t.Fatalf("pin %d: %v", i, err)
		}
	}
	if err := f.svc.Pin(f.ctx, f.owner, f.chID, last.ID); err != guilds.ErrMaxPins {
		t.Fatalf("251st pin: err = %v, want ErrMaxPins", err)
	}
	page, err := f.svc.PinsPaged(f.ctx, f.owner, f.chID, nil, 50)
	if err != nil || len(page.Items) != 50 || !page.HasMore {
		t.Fatalf("pins page = %d items, has_more %v, %v", len(page.Items), page.HasMore, err)
	}
}
