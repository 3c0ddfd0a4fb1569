package guilds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Thread errors, with Discord's codes in rest's error table.
var (
	// ErrThreadArchived: the operation is not allowed on an archived thread (50083).
	ErrThreadArchived = errors.New("guilds: thread is archived")
	// ErrThreadExists: the message already started a thread (160004).
	ErrThreadExists = errors.New("guilds: a thread has already been created for this message")
	// ErrThreadLocked: the thread is locked and the actor lacks MANAGE_THREADS (160005).
	ErrThreadLocked = errors.New("guilds: thread is locked")
	// ErrTagRequired: the forum requires a tag on every post (40067).
	ErrTagRequired = errors.New("guilds: a tag is required to create a forum post in this channel")
	// ErrNonTextChannel: messages cannot be sent directly to this channel (forums, media,
	// categories) (50008).
	ErrNonTextChannel = errors.New("guilds: cannot send messages in a non-text channel")
)

// messageFlagHasThread marks a message that started a thread (the thread's ID is the message's).
const messageFlagHasThread = 1 << 5

// autoArchiveDurations are the values Discord accepts, in minutes.
var autoArchiveDurations = []int{60, 1440, 4320, 10080}

// maxThreadMemberCount is where Discord stops counting a thread's members.
const maxThreadMemberCount = 50

func isThread(t int) bool {
	switch opcodes.ChannelType(t) {
	case opcodes.ChannelAnnouncementThread, opcodes.ChannelPublicThread, opcodes.ChannelPrivateThread:
		return true
	}
	return false
}

func isForum(t int) bool {
	return opcodes.ChannelType(t) == opcodes.ChannelGuildForum || opcodes.ChannelType(t) == opcodes.ChannelGuildMedia
}

// threadShape adds the thread fields to a channel shape.
func threadShape(c storage.Channel, o *opcodes.Channel) {
	if c.Thread == nil {
		return
	}
	o.Position, o.PermissionOverwrites, o.NSFW, o.Topic = nil, nil, nil, nil
	o.OwnerID = ptrID(c.OwnerID)
	o.RateLimitPerUser = ptrInt(c.RateLimitPerUser)
	md := &opcodes.ThreadMetadata{
		Archived:            c.Thread.Archived,
		AutoArchiveDuration: c.Thread.AutoArchiveDuration,
		ArchiveTimestamp:    opcodes.NewTimestamp(c.Thread.ArchiveTimestamp),
		Locked:              c.Thread.Locked,
		CreateTimestamp:     opcodes.TimestampPtr(c.Thread.CreateTimestamp),
	}
	if opcodes.ChannelType(c.Type) == opcodes.ChannelPrivateThread {
		inv := c.Thread.Invitable
		md.Invitable = &inv
	}
	o.ThreadMetadata = md
	o.MessageCount = ptrInt(c.MessageCount)
	o.MemberCount = ptrInt(min(c.MemberCount, maxThreadMemberCount))
	o.TotalMessageSent = ptrInt(c.TotalMessageSent)
	o.AppliedTags = c.AppliedTags
}

// forumShape adds the forum and media fields to a channel shape.
func forumShape(c storage.Channel, o *opcodes.Channel) {
	if c.DefaultAutoArchiveDuration != 0 {
		o.DefaultAutoArchiveDuration = ptrInt(c.DefaultAutoArchiveDuration)
	}
	if !isForum(c.Type) {
		return
	}
	o.AvailableTags = make([]opcodes.ForumTag, 0, len(c.AvailableTags))
	for _, t := range c.AvailableTags {
		o.AvailableTags = append(o.AvailableTags, opcodes.ForumTag{ID: t.ID, Name: t.Name, Moderated: t.Moderated,
			EmojiID: ptrID(t.EmojiID), EmojiName: t.EmojiName})
	}
	if r := c.DefaultReactionEmoji; r != nil {
		o.DefaultReactionEmoji = &opcodes.DefaultReaction{EmojiID: ptrID(r.EmojiID), EmojiName: r.EmojiName}
	}
	o.DefaultSortOrder = c.DefaultSortOrder
	o.DefaultForumLayout = ptrInt(c.DefaultForumLayout)
	o.DefaultThreadRateLimitPerUser = ptrInt(c.DefaultThreadRateLimitPerUser)
}

// threadPermissions is actor's permissions in a thread: the parent's (threads inherit its
// overwrites), where SEND_MESSAGES means SEND_MESSAGES_IN_THREADS, as Discord computes it. A
// private thread is visible only to its members and to MANAGE_THREADS holders.
func (s *Service) threadPermissions(ctx context.Context, th storage.Channel, actor snowflake.ID) (opcodes.Permissions, error) {
	p, err := s.ChannelPermissions(ctx, th.GuildID, th.ParentID, actor)
	if err != nil {
		return 0, err
	}
	if !p.Has(opcodes.PermViewChannel) {
		return 0, ErrMissingAccess
	}
	if opcodes.ChannelType(th.Type) == opcodes.ChannelPrivateThread && !p.Has(opcodes.PermManageThreads) {
		if _, err := s.store.ThreadMembers().Get(ctx, th.ID, actor); err != nil {
			return 0, notFound(err, ErrMissingAccess, "load thread member")
		}
	}
	p &^= opcodes.PermSendMessages
	if p.Has(opcodes.PermSendMessagesInThreads) {
		p |= opcodes.PermSendMessages
	}
	return p, nil
}

// threadAccess loads a thread and actor's permissions in it; a channel that is not a thread
// is ErrUnknownChannel, as Discord answers the thread routes.
func (s *Service) threadAccess(ctx context.Context, actor, threadID snowflake.ID) (storage.Channel, opcodes.Permissions, error) {
	th, p, err := s.channelAccess(ctx, actor, threadID)
	if err != nil {
		return th, 0, err
	}
	if th.Thread == nil {
		return th, 0, ErrUnknownChannel
	}
	return th, p, nil
}

// threadScope is the event scope of a thread's own events: the parent channel's viewers,
// and for a private thread only its members and MANAGE_THREADS holders.
func (s *Service) threadScope(ctx context.Context, name opcodes.EventName, th storage.Channel) events.Event {
	ev := events.Event{Name: name, GuildID: th.GuildID, ChannelID: th.ParentID}
	if opcodes.ChannelType(th.Type) == opcodes.ChannelPrivateThread {
		ev.ThreadPrivate = true
		ev.ThreadMembers = s.threadMemberIDs(ctx, th.ID)
	}
	return ev
}

func (s *Service) threadMemberIDs(ctx context.Context, threadID snowflake.ID) []snowflake.ID {
	ms, err := s.store.ThreadMembers().List(ctx, threadID, 0, 0)
	if err != nil {
		s.log.WarnContext(ctx, "list thread members for an event", "thread", threadID, "err", err)
		return nil
	}
	ids := make([]snowflake.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

// rescopeThread turns an event scoped to a thread's ID (messages, reactions, pins, typing
// in a thread) into the thread's scope: the gateway checks permissions on the parent, as a
// thread has no overwrites of its own.
func (s *Service) rescopeThread(ctx context.Context, ev *events.Event) {
	if ev.GuildID == 0 || ev.ChannelID == 0 || len(ev.UserIDs) > 0 || ev.ThreadPrivate {
		return
	}
	if gp, err := s.perms.get(ctx, ev.GuildID); err == nil {
		if _, ok := gp.channels[ev.ChannelID]; ok {
			return // a channel, not a thread
		}
	}
	th, err := s.store.Channels().Get(ctx, ev.ChannelID)
	if err != nil || th.Thread == nil {
		return
	}
	scope := s.threadScope(ctx, ev.Name, th)
	ev.ChannelID, ev.ThreadPrivate, ev.ThreadMembers = scope.ChannelID, scope.ThreadPrivate, scope.ThreadMembers
}

// threadOut shapes a thread with the viewer's thread member, if any.
func (s *Service) threadOut(ctx context.Context, th storage.Channel, viewer snowflake.ID) opcodes.Channel {
	out := channelShape(th)
	if m, err := s.store.ThreadMembers().Get(ctx, th.ID, viewer); err == nil {
		tm := threadMemberShape(m)
		out.Member = &tm
	}
	return out
}

func threadMemberShape(m storage.ThreadMember) opcodes.ThreadMember {
	return opcodes.ThreadMember{ID: m.ThreadID, UserID: m.UserID, JoinTimestamp: opcodes.NewTimestamp(m.JoinTimestamp), Flags: m.Flags}
}

// ThreadParams is POST /channels/{id}/threads and POST /channels/{id}/messages/{id}/threads.
// Message and AppliedTags are for forum and media posts; Type and Invitable for threads
// without a message.
type ThreadParams struct {
	Name                *string        `json:"name"`
	AutoArchiveDuration *int           `json:"auto_archive_duration"`
	RateLimitPerUser    *int           `json:"rate_limit_per_user"`
	Type                *int           `json:"type"`
	Invitable           *bool          `json:"invitable"`
	AppliedTags         []snowflake.ID `json:"applied_tags"`
	Message             *MessageParams `json:"message"`
	// Files are a forum post's uploads (multipart); they go to Message.
	Files []File `json:"-"`
}

// newThread validates the common thread fields and returns the thread record.
func (s *Service) newThread(v *validator, parent storage.Channel, actor snowflake.ID, id snowflake.ID, typ opcodes.ChannelType, p ThreadParams) storage.Channel {
	now := s.now().UTC()
	th := storage.Channel{ID: id, GuildID: parent.GuildID, Type: int(typ), ParentID: parent.ID, OwnerID: actor,
		Thread: &storage.ThreadMeta{AutoArchiveDuration: 4320, ArchiveTimestamp: now, CreateTimestamp: now, Invitable: true}}
	if parent.DefaultAutoArchiveDuration != 0 {
		th.Thread.AutoArchiveDuration = parent.DefaultAutoArchiveDuration
	}
	if p.Name == nil {
		v.required("name")
	} else {
		name := strings.TrimSpace(*p.Name)
		v.length("name", name, 1, 100)
		th.Name = name
	}
	if p.AutoArchiveDuration != nil {
		if !slices.Contains(autoArchiveDurations, *p.AutoArchiveDuration) {
			v.add("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
		}
		th.Thread.AutoArchiveDuration = *p.AutoArchiveDuration
	}
	if isForum(parent.Type) {
		th.RateLimitPerUser = parent.DefaultThreadRateLimitPerUser
	}
	if p.RateLimitPerUser != nil {
		if *p.RateLimitPerUser < 0 || *p.RateLimitPerUser > 21600 {
			v.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
		}
		th.RateLimitPerUser = *p.RateLimitPerUser
	}
	return th
}

// createThread stores a new thread with its creator as first member and publishes
// THREAD_CREATE (newly_created) and the creator's THREAD_MEMBERS_UPDATE.
func (s *Service) createThread(ctx context.Context, th storage.Channel, actor snowflake.ID) (opcodes.Channel, error) {
	if err := s.store.Channels().Create(ctx, th); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return opcodes.Channel{}, ErrThreadExists
		}
		return opcodes.Channel{}, fmt.Errorf("create thread: %w", err)
	}
	m := storage.ThreadMember{ThreadID: th.ID, GuildID: th.GuildID, UserID: actor, JoinTimestamp: s.now().UTC()}
	if err := s.store.ThreadMembers().Add(ctx, m); err != nil {
		return opcodes.Channel{}, fmt.Errorf("add thread owner: %w", err)
	}
	th.MemberCount = 1
	out := channelShape(th)
	created := out
	yes := true
	created.NewlyCreated = &yes
	s.publish(ctx, s.threadScope(ctx, opcodes.EventThreadCreate, th), created)
	s.publishThreadMembers(ctx, th, []storage.ThreadMember{m}, nil, 1)
	tm := threadMemberShape(m)
	out.Member = &tm
	return out, nil
}

// StartThreadFromMessage is POST /channels/{id}/messages/{id}/threads: CREATE_PUBLIC_THREADS
// in a text (public thread) or announcement channel (announcement thread). The thread's ID
// is the message's; the message gets HAS_THREAD and `thread`, and the thread opens with a
// THREAD_STARTER_MESSAGE (21) pointing at it.
func (s *Service) StartThreadFromMessage(ctx context.Context, actor, channelID, messageID snowflake.ID, p ThreadParams) (opcodes.Channel, error) {
	parent, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Channel{}, err
	}
	var typ opcodes.ChannelType
	switch opcodes.ChannelType(parent.Type) {
	case opcodes.ChannelGuildText:
		typ = opcodes.ChannelPublicThread
	case opcodes.ChannelGuildAnnouncement:
		typ = opcodes.ChannelAnnouncementThread
	default:
		return opcodes.Channel{}, ErrInvalidChannelType
	}
	if !perms.Has(opcodes.PermCreatePublicThreads | opcodes.PermReadMessageHistory) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	msg, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return opcodes.Channel{}, notFound(err, ErrUnknownMessage, "load message")
	}
	if msg.Flags&messageFlagHasThread != 0 {
		return opcodes.Channel{}, ErrThreadExists
	}
	var v validator
	th := s.newThread(&v, parent, actor, msg.ID, typ, ThreadParams{Name: p.Name, AutoArchiveDuration: p.AutoArchiveDuration, RateLimitPerUser: p.RateLimitPerUser})
	if err := v.err(); err != nil {
		return opcodes.Channel{}, err
	}
	if _, err := s.store.Channels().Get(ctx, msg.ID); err == nil {
		return opcodes.Channel{}, ErrThreadExists
	}
	// The starter message goes in before the thread exists, so it is not counted
	// (message_count excludes it, as Discord's does).
	starter := storage.Message{ID: s.ids.Next(), ChannelID: th.ID, GuildID: th.GuildID, AuthorID: msg.AuthorID,
		Type:      int(opcodes.MessageThreadStarterMessage),
		Reference: &storage.MessageReference{MessageID: msg.ID, ChannelID: parent.ID, GuildID: parent.GuildID}}
	if err := s.store.Messages().Create(ctx, starter); err != nil {
		return opcodes.Channel{}, fmt.Errorf("create starter message: %w", err)
	}
	th.LastMessageID = starter.ID
	out, err := s.createThread(ctx, th, actor)
	if err != nil {
		_ = s.store.Messages().Delete(ctx, th.ID, starter.ID)
		return opcodes.Channel{}, err
	}
	msg.Flags |= messageFlagHasThread
	if err := s.store.Messages().Update(ctx, msg); err != nil {
		return opcodes.Channel{}, fmt.Errorf("mark starter message: %w", err)
	}
	if shaped, err := s.messageShapes(ctx, msg.AuthorID, []storage.Message{msg}, false); err == nil && len(shaped) == 1 {
		s.publishMessage(ctx, opcodes.EventMessageUpdate, parent, msg, shaped[0])
	}
	return out, nil
}

// StartThread is POST /channels/{id}/threads. In a text or announcement channel it starts a
// thread without a message: type 11 (CREATE_PUBLIC_THREADS; the default in announcement
// channels, as type 10) or 12 (CREATE_PRIVATE_THREADS; Discord's default type, text channels
// only), and a public one posts THREAD_CREATED (18) in the parent. In a forum or media
// channel it creates a post: a public thread with its first message (SEND_MESSAGES), the
// forum's tags checked.
func (s *Service) StartThread(ctx context.Context, actor, channelID snowflake.ID, p ThreadParams) (opcodes.Channel, error) {
	parent, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Channel{}, err
	}
	if isForum(parent.Type) {
		return s.createForumPost(ctx, actor, parent, perms, p)
	}
	typ := opcodes.ChannelPrivateThread
	switch opcodes.ChannelType(parent.Type) {
	case opcodes.ChannelGuildText:
	case opcodes.ChannelGuildAnnouncement:
		typ = opcodes.ChannelAnnouncementThread
	default:
		return opcodes.Channel{}, ErrInvalidChannelType
	}
	var v validator
	if p.Type != nil {
		t := opcodes.ChannelType(*p.Type)
		switch {
		case t == opcodes.ChannelPublicThread || t == opcodes.ChannelPrivateThread:
			if opcodes.ChannelType(parent.Type) == opcodes.ChannelGuildAnnouncement {
				v.add("type", "BASE_TYPE_CHOICES", "Value must be one of {10}.")
			}
			typ = t
		case t == opcodes.ChannelAnnouncementThread && opcodes.ChannelType(parent.Type) == opcodes.ChannelGuildAnnouncement:
			typ = t
		default:
			v.add("type", "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
		}
	}
	th := s.newThread(&v, parent, actor, s.ids.Next(), typ, p)
	if p.Invitable != nil && typ == opcodes.ChannelPrivateThread {
		th.Thread.Invitable = *p.Invitable
	}
	if err := v.err(); err != nil {
		return opcodes.Channel{}, err
	}
	need := opcodes.PermCreatePublicThreads
	if typ == opcodes.ChannelPrivateThread {
		need = opcodes.PermCreatePrivateThreads
	}
	if !perms.Has(need) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	out, err := s.createThread(ctx, th, actor)
	if err != nil {
		return opcodes.Channel{}, err
	}
	if typ != opcodes.ChannelPrivateThread {
		s.postThreadCreated(ctx, parent, th, actor)
	}
	return out, nil
}

// postThreadCreated posts the THREAD_CREATED (18) notice in the parent channel.
func (s *Service) postThreadCreated(ctx context.Context, parent, th storage.Channel, actor snowflake.ID) {
	m := storage.Message{ID: s.ids.Next(), ChannelID: parent.ID, GuildID: parent.GuildID, AuthorID: actor,
		Type: int(opcodes.MessageThreadCreated), Content: th.Name,
		Reference: &storage.MessageReference{ChannelID: th.ID, GuildID: th.GuildID}}
	if err := s.store.Messages().Create(ctx, m); err != nil {
		s.log.WarnContext(ctx, "post thread created message", "thread", th.ID, "err", err)
		return
	}
	if shaped, err := s.messageShapes(ctx, actor, []storage.Message{m}, false); err == nil && len(shaped) == 1 {
		s.publishMessage(ctx, opcodes.EventMessageCreate, parent, m, shaped[0])
	}
}

// createForumPost is StartThread in a forum or media channel.
func (s *Service) createForumPost(ctx context.Context, actor snowflake.ID, parent storage.Channel, perms opcodes.Permissions, p ThreadParams) (opcodes.Channel, error) {
	if !perms.Has(opcodes.PermSendMessages) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	var v validator
	th := s.newThread(&v, parent, actor, s.ids.Next(), opcodes.ChannelPublicThread, p)
	if p.Message == nil {
		v.required("message")
	}
	if len(p.AppliedTags) > 5 {
		v.add("applied_tags", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	for i, id := range p.AppliedTags {
		tag := slices.IndexFunc(parent.AvailableTags, func(t storage.ForumTag) bool { return t.ID == id })
		if tag < 0 {
			v.add(fmt.Sprintf("applied_tags.%d", i), "FORUM_TAG_INVALID", "Invalid forum tag")
		} else if parent.AvailableTags[tag].Moderated && !perms.Has(opcodes.PermManageThreads) {
			return opcodes.Channel{}, ErrMissingPermissions
		}
	}
	th.AppliedTags = slices.Compact(slices.Clone(p.AppliedTags))
	if err := v.err(); err != nil {
		return opcodes.Channel{}, err
	}
	if parent.Flags&opcodes.ChannelFlagRequireTag != 0 && len(th.AppliedTags) == 0 {
		return opcodes.Channel{}, ErrTagRequired
	}
	mp := *p.Message
	mp.Files = append(mp.Files, p.Files...)
	th.LastMessageID = th.ID
	var out opcodes.Channel
	// The first message's ID is the thread's; the thread is stored (and THREAD_CREATE
	// published) once the message has passed validation, just before the message is.
	a := author{userID: actor, perms: perms | opcodes.PermSendMessages, forceID: th.ID, beforeStore: func() error {
		var err error
		out, err = s.createThread(ctx, th, actor)
		return err
	}}
	first, err := s.createMessage(ctx, th, a, mp)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			// Discord reports the first message's fields under message.
			prefixed := validator{}
			for k, fes := range ve.Fields {
				for _, fe := range fes {
					prefixed.add(strings.TrimSuffix("message."+k, "."), fe.Code, fe.Message)
				}
			}
			return opcodes.Channel{}, prefixed.err()
		}
		return opcodes.Channel{}, err
	}
	_ = first
	return out, nil
}

// JoinThread is PUT /channels/{id}/thread-members/@me: the thread must not be archived.
func (s *Service) JoinThread(ctx context.Context, actor, threadID snowflake.ID) error {
	th, _, err := s.threadAccess(ctx, actor, threadID)
	if err != nil {
		return err
	}
	if th.Thread.Archived {
		return ErrThreadArchived
	}
	return s.addThreadMember(ctx, th, actor, true)
}

// AddThreadMember is PUT /channels/{id}/thread-members/{user_id}: the actor must be able to
// send messages in the thread, the thread must not be archived, the user must be a guild
// member; in a private thread that is not invitable only MANAGE_THREADS may add.
func (s *Service) AddThreadMember(ctx context.Context, actor, threadID, userID snowflake.ID) error {
	th, perms, err := s.threadAccess(ctx, actor, threadID)
	if err != nil {
		return err
	}
	if !perms.Has(opcodes.PermSendMessages) {
		return ErrMissingPermissions
	}
	if th.Thread.Archived {
		return ErrThreadArchived
	}
	if opcodes.ChannelType(th.Type) == opcodes.ChannelPrivateThread && !th.Thread.Invitable && !perms.Has(opcodes.PermManageThreads) {
		return ErrMissingPermissions
	}
	if _, err := s.store.Members().Get(ctx, th.GuildID, userID); err != nil {
		return notFound(err, ErrUnknownMember, "load member")
	}
	if p, err := s.ChannelPermissions(ctx, th.GuildID, th.ParentID, userID); err != nil || !p.Has(opcodes.PermViewChannel) {
		return ErrMissingAccess
	}
	return s.addThreadMember(ctx, th, userID, userID == actor)
}

func (s *Service) addThreadMember(ctx context.Context, th storage.Channel, userID snowflake.ID, self bool) error {
	m := storage.ThreadMember{ThreadID: th.ID, GuildID: th.GuildID, UserID: userID, JoinTimestamp: s.now().UTC()}
	err := s.store.ThreadMembers().Add(ctx, m)
	if errors.Is(err, storage.ErrConflict) {
		return nil // already a member: Discord answers 204 too
	}
	if err != nil {
		return notFound(err, ErrUnknownChannel, "add thread member")
	}
	th.MemberCount++
	if opcodes.ChannelType(th.Type) == opcodes.ChannelPrivateThread {
		// The new member could not see the thread before: it arrives as THREAD_CREATE.
		out := channelShape(th)
		tm := threadMemberShape(m)
		out.Member = &tm
		s.publish(ctx, events.Event{Name: opcodes.EventThreadCreate, GuildID: th.GuildID, UserIDs: []snowflake.ID{userID}}, out)
	}
	if self {
		s.publish(ctx, events.Event{Name: opcodes.EventThreadMemberUpdate, GuildID: th.GuildID, UserIDs: []snowflake.ID{userID}},
			opcodes.ThreadMemberUpdate{ThreadMember: threadMemberShape(m), GuildID: th.GuildID})
	}
	s.publishThreadMembers(ctx, th, []storage.ThreadMember{m}, nil, th.MemberCount)
	return nil
}

// LeaveThread is DELETE /channels/{id}/thread-members/@me: the thread must not be archived.
func (s *Service) LeaveThread(ctx context.Context, actor, threadID snowflake.ID) error {
	th, _, err := s.threadAccess(ctx, actor, threadID)
	if err != nil {
		return err
	}
	if th.Thread.Archived {
		return ErrThreadArchived
	}
	return s.removeThreadMember(ctx, th, actor)
}

// RemoveThreadMember is DELETE /channels/{id}/thread-members/{user_id}: MANAGE_THREADS, or
// the creator of a private thread; the thread must not be archived.
func (s *Service) RemoveThreadMember(ctx context.Context, actor, threadID, userID snowflake.ID) error {
	th, perms, err := s.threadAccess(ctx, actor, threadID)
	if err != nil {
		return err
	}
	owner := opcodes.ChannelType(th.Type) == opcodes.ChannelPrivateThread && th.OwnerID == actor
	if !perms.Has(opcodes.PermManageThreads) && !owner && userID != actor {
		return ErrMissingPermissions
	}
	if th.Thread.Archived {
		return ErrThreadArchived
	}
	return s.removeThreadMember(ctx, th, userID)
}

func (s *Service) removeThreadMember(ctx context.Context, th storage.Channel, userID snowflake.ID) error {
	// The audience is taken before the removal, so the removed member hears of it too.
	scope := s.threadScope(ctx, opcodes.EventThreadMembersUpdate, th)
	if err := s.store.ThreadMembers().Remove(ctx, th.ID, userID); err != nil {
		return notFound(err, ErrUnknownMember, "remove thread member")
	}
	count := max(th.MemberCount-1, 0)
	d := opcodes.ThreadMembersUpdate{ID: th.ID, GuildID: th.GuildID, MemberCount: min(count, maxThreadMemberCount),
		RemovedMemberIDs: []snowflake.ID{userID}}
	scope.ThreadAffected = []snowflake.ID{userID}
	s.publish(ctx, scope, d)
	return nil
}

// publishThreadMembers sends THREAD_MEMBERS_UPDATE for added members (with their guild
// member and presence) to the thread's audience.
func (s *Service) publishThreadMembers(ctx context.Context, th storage.Channel, added []storage.ThreadMember, removed []snowflake.ID, count int) {
	d := opcodes.ThreadMembersUpdate{ID: th.ID, GuildID: th.GuildID, MemberCount: min(count, maxThreadMemberCount), RemovedMemberIDs: removed}
	affected := slices.Clone(removed)
	for _, m := range added {
		full := opcodes.ThreadMemberFull{ThreadMember: threadMemberShape(m)}
		if mem, err := s.Member(ctx, m.UserID, th.GuildID, m.UserID); err == nil {
			full.Member = &mem
		}
		d.AddedMembers = append(d.AddedMembers, full)
		affected = append(affected, m.UserID)
	}
	ev := s.threadScope(ctx, opcodes.EventThreadMembersUpdate, th)
	ev.ThreadAffected = affected
	s.publish(ctx, ev, d)
}

// ThreadMember is GET /channels/{id}/thread-members/{user_id}; withMember adds the guild member.
func (s *Service) ThreadMember(ctx context.Context, actor, threadID, userID snowflake.ID, withMember bool) (opcodes.ThreadMember, error) {
	th, _, err := s.threadAccess(ctx, actor, threadID)
	if err != nil {
		return opcodes.ThreadMember{}, err
	}
	m, err := s.store.ThreadMembers().Get(ctx, th.ID, userID)
	if err != nil {
		return opcodes.ThreadMember{}, notFound(err, ErrUnknownMember, "load thread member")
	}
	out := threadMemberShape(m)
	if withMember {
		if mem, err := s.Member(ctx, actor, th.GuildID, userID); err == nil {
			out.Member = &mem
		}
	}
	return out, nil
}

// ThreadMembers is GET /channels/{id}/thread-members: members by user ID after `after`, at
// most limit; withMember adds the guild members.
func (s *Service) ThreadMembers(ctx context.Context, actor, threadID, after snowflake.ID, limit int, withMember bool) ([]opcodes.ThreadMember, error) {
	th, _, err := s.threadAccess(ctx, actor, threadID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.ThreadMembers().List(ctx, th.ID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list thread members: %w", err)
	}
	out := make([]opcodes.ThreadMember, 0, len(ms))
	var members map[snowflake.ID]opcodes.Member
	if withMember && len(ms) > 0 {
		ids := make([]snowflake.ID, len(ms))
		for i, m := range ms {
			ids[i] = m.UserID
		}
		list, err := s.MembersByID(ctx, th.GuildID, ids)
		if err != nil {
			return nil, err
		}
		members = make(map[snowflake.ID]opcodes.Member, len(list))
		for _, m := range list {
			if m.User != nil {
				members[m.User.ID] = m
			}
		}
	}
	for _, m := range ms {
		tm := threadMemberShape(m)
		if mem, ok := members[m.UserID]; ok {
			tm.Member = &mem
		}
		out = append(out, tm)
	}
	return out, nil
}

// ArchivedThreads is GET /channels/{id}/threads/archived/public and …/private:
// READ_MESSAGE_HISTORY, and MANAGE_THREADS for private ones; newest archive first, before
// an archive time.
func (s *Service) ArchivedThreads(ctx context.Context, actor, channelID snowflake.ID, private bool, before *time.Time, limit int) (opcodes.ThreadList, error) {
	parent, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.ThreadList{}, err
	}
	if parent.GuildID == 0 || parent.Thread != nil {
		return opcodes.ThreadList{}, ErrInvalidChannelType
	}
	need := opcodes.PermReadMessageHistory
	if private {
		need |= opcodes.PermManageThreads
	}
	if !perms.Has(need) {
		return opcodes.ThreadList{}, ErrMissingPermissions
	}
	q := storage.ArchivedQuery{ParentID: parent.ID, Private: private, Limit: limit}
	if before != nil {
		q.Before = *before
	}
	return s.threadList(ctx, actor, q)
}

// JoinedPrivateArchivedThreads is GET /channels/{id}/users/@me/threads/archived/private:
// READ_MESSAGE_HISTORY; the private archived threads the actor is a member of, by ID
// descending before a thread ID.
func (s *Service) JoinedPrivateArchivedThreads(ctx context.Context, actor, channelID, before snowflake.ID, limit int) (opcodes.ThreadList, error) {
	parent, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.ThreadList{}, err
	}
	if parent.GuildID == 0 || parent.Thread != nil {
		return opcodes.ThreadList{}, ErrInvalidChannelType
	}
	if !perms.Has(opcodes.PermReadMessageHistory) {
		return opcodes.ThreadList{}, ErrMissingPermissions
	}
	return s.threadList(ctx, actor, storage.ArchivedQuery{ParentID: parent.ID, Private: true, JoinedBy: actor, BeforeID: before, Limit: limit})
}

func (s *Service) threadList(ctx context.Context, actor snowflake.ID, q storage.ArchivedQuery) (opcodes.ThreadList, error) {
	ths, more, err := s.store.Channels().ListArchivedThreads(ctx, q)
	if err != nil {
		return opcodes.ThreadList{}, fmt.Errorf("list archived threads: %w", err)
	}
	return s.threadListOf(ctx, actor, ths, more)
}

func (s *Service) threadListOf(ctx context.Context, actor snowflake.ID, ths []storage.Channel, more bool) (opcodes.ThreadList, error) {
	out := opcodes.ThreadList{Threads: make([]opcodes.Channel, 0, len(ths)), Members: []opcodes.ThreadMember{}, HasMore: more}
	ids := make([]snowflake.ID, len(ths))
	for i, th := range ths {
		ids[i] = th.ID
		out.Threads = append(out.Threads, channelShape(th))
	}
	if len(ids) > 0 {
		mine, err := s.store.ThreadMembers().ListForUser(ctx, actor, ids)
		if err != nil {
			return opcodes.ThreadList{}, fmt.Errorf("list thread members: %w", err)
		}
		for _, m := range mine {
			out.Members = append(out.Members, threadMemberShape(m))
		}
	}
	return out, nil
}

// visibleThreads filters threads to those userID can see.
func (s *Service) visibleThreads(ctx context.Context, userID snowflake.ID, ths []storage.Channel) []storage.Channel {
	out := ths[:0:0]
	for _, th := range ths {
		if _, err := s.threadPermissions(ctx, th, userID); err == nil {
			out = append(out, th)
		}
	}
	return out
}

// ActiveThreads is GET /guilds/{id}/threads/active: the guild's unarchived threads the actor
// can see, with the actor's memberships.
func (s *Service) ActiveThreads(ctx context.Context, actor, guildID snowflake.ID) (opcodes.ThreadList, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.ThreadList{}, err
	}
	ths, err := s.store.Channels().ListActiveThreads(ctx, guildID)
	if err != nil {
		return opcodes.ThreadList{}, fmt.Errorf("list active threads: %w", err)
	}
	return s.threadListOf(ctx, actor, s.visibleThreads(ctx, actor, ths), false)
}

// guildThreads is GUILD_CREATE's threads: the active threads userID can see, each with the
// user's thread member where it has one.
func (s *Service) guildThreads(ctx context.Context, guildID, userID snowflake.ID) ([]opcodes.Channel, error) {
	list, err := s.ActiveThreads(ctx, userID, guildID)
	if err != nil {
		return nil, err
	}
	byThread := make(map[snowflake.ID]opcodes.ThreadMember, len(list.Members))
	for _, m := range list.Members {
		byThread[m.ID] = m
	}
	for i := range list.Threads {
		if m, ok := byThread[list.Threads[i].ID]; ok {
			list.Threads[i].Member = &m
		}
	}
	return list.Threads, nil
}
