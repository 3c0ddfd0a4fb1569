package guilds_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func ptrTo[T any](v T) *T { return &v }

// TestThreadEventScopes checks who each thread event is scoped to: a private thread's events
// and the messages in it go to the parent's viewers narrowed to its members (and
// MANAGE_THREADS holders, which the gateway checks), and an added member hears of the thread.
func TestThreadEventScopes(t *testing.T) {
	f := newFixture(t)
	member := f.member("threadmember")
	priv, err := f.svc.StartThread(f.ctx, f.owner, f.chID, guilds.ThreadParams{Name: ptrTo("secret"), Type: ptrTo(12)})
	if err != nil {
		t.Fatal(err)
	}
	created := f.rec.named(opcodes.EventThreadCreate)
	if len(created) != 1 || created[0].ChannelID != f.chID || !created[0].ThreadPrivate || !slices.Equal(created[0].ThreadMembers, []snowflake.ID{f.owner}) {
		t.Fatalf("THREAD_CREATE scope: %+v", created)
	}
	if d := eventData[opcodes.Channel](t, created[0]); d.NewlyCreated == nil || !*d.NewlyCreated || d.ThreadMetadata == nil {
		t.Fatalf("THREAD_CREATE d: %+v", d)
	}
	if err := f.svc.AddThreadMember(f.ctx, f.owner, priv.ID, member); err != nil {
		t.Fatal(err)
	}
	toMember := f.rec.named(opcodes.EventThreadCreate)
	if len(toMember) != 2 || !slices.Equal(toMember[1].UserIDs, []snowflake.ID{member}) {
		t.Fatalf("THREAD_CREATE to the added member: %+v", toMember)
	}
	mu := f.rec.named(opcodes.EventThreadMembersUpdate)
	last := mu[len(mu)-1]
	if !slices.Equal(last.ThreadAffected, []snowflake.ID{member}) || !last.ThreadPrivate {
		t.Fatalf("THREAD_MEMBERS_UPDATE scope: %+v", last)
	}
	if d := eventData[opcodes.ThreadMembersUpdate](t, last); len(d.AddedMembers) != 1 || d.AddedMembers[0].Member == nil || d.MemberCount != 2 {
		t.Fatalf("THREAD_MEMBERS_UPDATE d: %+v", d)
	}
	if _, err := f.svc.CreateMessage(f.ctx, member, priv.ID, guilds.MessageParams{Content: "psst"}); err != nil {
		t.Fatal(err)
	}
	msgs := f.rec.named(opcodes.EventMessageCreate)
	m := msgs[len(msgs)-1]
	if m.ChannelID != f.chID || !m.ThreadPrivate || !slices.Contains(m.ThreadMembers, member) {
		t.Fatalf("MESSAGE_CREATE in a private thread is scoped %+v", m)
	}
	if err := f.svc.LeaveThread(f.ctx, member, priv.ID); err != nil {
		t.Fatal(err)
	}
	mu = f.rec.named(opcodes.EventThreadMembersUpdate)
	if d := eventData[opcodes.ThreadMembersUpdate](t, mu[len(mu)-1]); !slices.Equal(d.RemovedMemberIDs, []snowflake.ID{member}) ||
		!slices.Contains(mu[len(mu)-1].ThreadMembers, member) {
		t.Fatalf("leave: the leaver hears of it: %+v", mu[len(mu)-1])
	}
	if err := f.svc.JoinThread(f.ctx, f.owner, priv.ID); err != nil { // already a member: no-op
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteChannel(f.ctx, f.owner, priv.ID); err != nil {
		t.Fatal(err)
	}
	del := f.rec.named(opcodes.EventThreadDelete)
	if len(del) != 1 || del[0].ChannelID != f.chID || eventData[opcodes.ThreadDelete](t, del[0]).ParentID != f.chID {
		t.Fatalf("THREAD_DELETE: %+v", del)
	}
	// GUILD_CREATE lists the active threads the user can see.
	pub, err := f.svc.StartThread(f.ctx, f.owner, f.chID, guilds.ThreadParams{Name: ptrTo("open"), Type: ptrTo(11)})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := f.svc.GuildCreate(f.ctx, f.guild.ID, member, 50, false)
	if err != nil || len(gc.Threads) != 1 || gc.Threads[0].ID != pub.ID {
		t.Fatalf("GUILD_CREATE threads = %+v, %v", gc.Threads, err)
	}
	if gc, _ := f.svc.GuildCreate(f.ctx, f.guild.ID, f.owner, 50, false); len(gc.Threads) != 1 || gc.Threads[0].Member == nil {
		t.Fatalf("owner's GUILD_CREATE thread lacks its member: %+v", gc.Threads)
	}
}

// TestThreadAutoArchive checks the archiver with an injected clock: a thread is archived
// once auto_archive_duration has passed without activity, and THREAD_UPDATE says so.
func TestThreadAutoArchive(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	f := newFixture(t, func(c *guilds.Config) { c.Now = clock })
	th, err := f.svc.StartThread(f.ctx, f.owner, f.chID, guilds.ThreadParams{Name: ptrTo("quiet"), Type: ptrTo(11), AutoArchiveDuration: ptrTo(60)})
	if err != nil {
		t.Fatal(err)
	}
	advance(59 * time.Minute)
	if n, err := f.svc.ArchiveDueThreads(f.ctx); err != nil || n != 0 {
		t.Fatalf("before the hour: %d, %v", n, err)
	}
	advance(2 * time.Minute)
	if n, err := f.svc.ArchiveDueThreads(f.ctx); err != nil || n != 1 {
		t.Fatalf("after the hour: %d, %v", n, err)
	}
	got, err := f.svc.Channel(f.ctx, f.owner, th.ID)
	if err != nil || !got.ThreadMetadata.Archived {
		t.Fatalf("thread after the sweep: %+v, %v", got.ThreadMetadata, err)
	}
	ups := f.rec.named(opcodes.EventThreadUpdate)
	if len(ups) == 0 || !eventData[opcodes.Channel](t, ups[len(ups)-1]).ThreadMetadata.Archived {
		t.Fatalf("no THREAD_UPDATE for the archive: %+v", ups)
	}
	if n, _ := f.svc.ArchiveDueThreads(f.ctx); n != 0 {
		t.Fatal("an archived thread was archived again")
	}
	// A message unarchives it, and the clock starts again.
	if _, err := f.svc.CreateMessage(f.ctx, f.owner, th.ID, guilds.MessageParams{Content: "back"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Channel(f.ctx, f.owner, th.ID); got.ThreadMetadata.Archived {
		t.Fatal("a message did not unarchive")
	}
	if n, _ := f.svc.ArchiveDueThreads(f.ctx); n != 0 {
		t.Fatal("an unarchived thread was due at once")
	}
}

// TestMediaPosts covers media channels (type 16), which Discord's spec leaves out of its
// channel answers, so the HTTP tests cannot create one.
func TestMediaPosts(t *testing.T) {
	f := newFixture(t)
	media, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{Name: ptrTo("media"), Type: ptrTo(16)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateMessage(f.ctx, f.owner, media.ID, guilds.MessageParams{Content: "direct"}); err == nil {
		t.Fatal("a message went straight into a media channel")
	}
	wantErr(t, func() error {
		_, err := f.svc.CreateMessage(f.ctx, f.owner, media.ID, guilds.MessageParams{Content: "direct"})
		return err
	}(), guilds.ErrNonTextChannel)
	post, err := f.svc.StartThread(f.ctx, f.owner, media.ID, guilds.ThreadParams{Name: ptrTo("pic"), Message: &guilds.MessageParams{Content: "look"}})
	if err != nil || post.Type != opcodes.ChannelPublicThread || *post.ParentID != media.ID {
		t.Fatalf("media post = %+v, %v", post, err)
	}
	_, err = f.svc.StartThread(f.ctx, f.owner, media.ID, guilds.ThreadParams{Name: ptrTo("empty"), Message: &guilds.MessageParams{}})
	wantErr(t, err, guilds.ErrEmptyMessage)
	if chans, _ := f.svc.ActiveThreads(f.ctx, f.owner, f.guild.ID); len(chans.Threads) != 1 {
		t.Fatalf("a refused post left a thread behind: %+v", chans.Threads)
	}
}
