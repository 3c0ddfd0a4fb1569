package guilds

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// ForumTagParams is one entry of a forum's available_tags in PATCH /channels/{id}; a tag
// without an ID is new.
type ForumTagParams struct {
	ID        snowflake.ID                   `json:"id"`
	Name      string                         `json:"name"`
	Moderated bool                           `json:"moderated"`
	EmojiID   opcodes.Nullable[snowflake.ID] `json:"emoji_id"`
	EmojiName opcodes.Nullable[string]       `json:"emoji_name"`
}

// DefaultReactionParams is a forum's default_reaction_emoji in a request.
type DefaultReactionParams struct {
	EmojiID   opcodes.Nullable[snowflake.ID] `json:"emoji_id"`
	EmojiName opcodes.Nullable[string]       `json:"emoji_name"`
}

// ThreadChannelParams are the PATCH /channels/{id} fields of threads and forums, embedded in
// ChannelParams.
type ThreadChannelParams struct {
	Archived                      *bool                                   `json:"archived"`
	AutoArchiveDuration           *int                                    `json:"auto_archive_duration"`
	Locked                        *bool                                   `json:"locked"`
	Invitable                     *bool                                   `json:"invitable"`
	AppliedTags                   *[]snowflake.ID                         `json:"applied_tags"`
	Flags                         *int                                    `json:"flags"`
	AvailableTags                 *[]ForumTagParams                       `json:"available_tags"`
	DefaultReactionEmoji          opcodes.Nullable[DefaultReactionParams] `json:"default_reaction_emoji"`
	DefaultSortOrder              opcodes.Nullable[int]                   `json:"default_sort_order"`
	DefaultForumLayout            *int                                    `json:"default_forum_layout"`
	DefaultThreadRateLimitPerUser *int                                    `json:"default_thread_rate_limit_per_user"`
	DefaultAutoArchiveDuration    *int                                    `json:"default_auto_archive_duration"`
}

// maxForumTags and maxForumTagName are Discord's limits on available_tags.
const (
	maxForumTags    = 20
	maxForumTagName = 20
)

// applyForum validates the forum and media settings of p onto ch (MANAGE_CHANNELS was checked).
func (s *Service) applyForum(v *validator, ch *storage.Channel, p ThreadChannelParams) {
	if p.DefaultAutoArchiveDuration != nil {
		if !slices.Contains(autoArchiveDurations, *p.DefaultAutoArchiveDuration) {
			v.add("default_auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
		}
		ch.DefaultAutoArchiveDuration = *p.DefaultAutoArchiveDuration
	}
	if p.Flags != nil {
		allowed := 0
		if isForum(ch.Type) {
			allowed = opcodes.ChannelFlagRequireTag
			if opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildMedia {
				allowed |= opcodes.ChannelFlagHideMediaDownloadOptions
			}
		}
		if *p.Flags&^allowed != 0 {
			v.add("flags", "CHANNEL_FLAGS_INVALID", "Invalid channel flags")
		}
		ch.Flags = *p.Flags & allowed
	}
	if !isForum(ch.Type) {
		return
	}
	if p.AvailableTags != nil {
		tags := *p.AvailableTags
		if len(tags) > maxForumTags {
			v.add("available_tags", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxForumTags))
		}
		out := make([]storage.ForumTag, 0, len(tags))
		for i, t := range tags {
			field := fmt.Sprintf("available_tags.%d", i)
			name := strings.TrimSpace(t.Name)
			v.length(field+".name", name, 1, maxForumTagName)
			tag := storage.ForumTag{ID: t.ID, Name: name, Moderated: t.Moderated, EmojiName: t.EmojiName.Ptr()}
			if t.EmojiID.Set && !t.EmojiID.Null {
				tag.EmojiID = t.EmojiID.Value
			}
			if tag.ID == 0 || !slices.ContainsFunc(ch.AvailableTags, func(o storage.ForumTag) bool { return o.ID == tag.ID }) {
				tag.ID = s.ids.Next()
			}
			out = append(out, tag)
		}
		ch.AvailableTags = out
	}
	if p.DefaultReactionEmoji.Set {
		ch.DefaultReactionEmoji = nil
		if r := p.DefaultReactionEmoji.Value; !p.DefaultReactionEmoji.Null {
			dr := &storage.DefaultReaction{EmojiName: r.EmojiName.Ptr()}
			if r.EmojiID.Set && !r.EmojiID.Null {
				dr.EmojiID = r.EmojiID.Value
			}
			if dr.EmojiID == 0 && dr.EmojiName == nil {
				v.add("default_reaction_emoji", "BASE_TYPE_REQUIRED", "emoji_id or emoji_name is required")
			}
			ch.DefaultReactionEmoji = dr
		}
	}
	if p.DefaultSortOrder.Set {
		ch.DefaultSortOrder = p.DefaultSortOrder.Ptr()
		if !p.DefaultSortOrder.Null && (p.DefaultSortOrder.Value < 0 || p.DefaultSortOrder.Value > 1) {
			v.add("default_sort_order", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
		}
	}
	if p.DefaultForumLayout != nil {
		if *p.DefaultForumLayout < 0 || *p.DefaultForumLayout > 2 {
			v.add("default_forum_layout", "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2}.")
		}
		ch.DefaultForumLayout = *p.DefaultForumLayout
	}
	if p.DefaultThreadRateLimitPerUser != nil {
		if *p.DefaultThreadRateLimitPerUser < 0 || *p.DefaultThreadRateLimitPerUser > 21600 {
			v.add("default_thread_rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
		}
		ch.DefaultThreadRateLimitPerUser = *p.DefaultThreadRateLimitPerUser
	}
}

// modifyThread is PATCH /channels/{id} on a thread. MANAGE_THREADS may change everything;
// the thread's creator may change name, auto_archive_duration and applied_tags and archive
// it; anyone who can send in an unlocked thread may unarchive it. locked, invitable,
// rate_limit_per_user and flags (PINNED, forum posts only) need MANAGE_THREADS.
func (s *Service) modifyThread(ctx context.Context, actor snowflake.ID, th storage.Channel, perms opcodes.Permissions, p ChannelParams) (opcodes.Channel, error) {
	manage := perms.Has(opcodes.PermManageThreads)
	owner := th.OwnerID == actor
	meta := *th.Thread
	var v validator
	if !manage {
		onlyUnarchive := p.Archived != nil && !*p.Archived && !meta.Locked && perms.Has(opcodes.PermSendMessages) &&
			p.Name == nil && p.AutoArchiveDuration == nil && p.AppliedTags == nil
		ownerFields := owner && p.Locked == nil && p.Invitable == nil && p.RateLimitPerUser == nil && p.Flags == nil &&
			!(meta.Locked && p.Archived != nil && !*p.Archived)
		if !onlyUnarchive && !ownerFields {
			return opcodes.Channel{}, ErrMissingPermissions
		}
		if p.Locked != nil || p.Invitable != nil || p.RateLimitPerUser != nil || p.Flags != nil {
			return opcodes.Channel{}, ErrMissingPermissions
		}
	}
	if meta.Archived && (p.Archived == nil || *p.Archived) && (p.Name != nil || p.AppliedTags != nil || p.RateLimitPerUser != nil) {
		// An archived thread must be unarchived (in the same request) before other edits.
		return opcodes.Channel{}, ErrThreadArchived
	}
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		v.length("name", name, 1, 100)
		th.Name = name
	}
	if p.AutoArchiveDuration != nil {
		if !slices.Contains(autoArchiveDurations, *p.AutoArchiveDuration) {
			v.add("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
		}
		meta.AutoArchiveDuration = *p.AutoArchiveDuration
	}
	if p.RateLimitPerUser != nil {
		if *p.RateLimitPerUser < 0 || *p.RateLimitPerUser > 21600 {
			v.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
		}
		th.RateLimitPerUser = *p.RateLimitPerUser
	}
	if p.Locked != nil {
		meta.Locked = *p.Locked
	}
	if p.Invitable != nil {
		if opcodes.ChannelType(th.Type) != opcodes.ChannelPrivateThread {
			v.add("invitable", "THREAD_INVITABLE_INVALID", "Only private threads can be invitable")
		}
		meta.Invitable = *p.Invitable
	}
	var parent storage.Channel
	forumPost := false
	if p.AppliedTags != nil || p.Flags != nil {
		var err error
		parent, err = s.store.Channels().Get(ctx, th.ParentID)
		if err != nil {
			return opcodes.Channel{}, notFound(err, ErrUnknownChannel, "load parent")
		}
		forumPost = isForum(parent.Type)
	}
	if p.AppliedTags != nil {
		tags := *p.AppliedTags
		if !forumPost {
			v.add("applied_tags", "THREAD_TAGS_INVALID", "Tags can only be applied to forum posts")
		}
		if len(tags) > 5 {
			v.add("applied_tags", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
		}
		for i, id := range tags {
			if !slices.ContainsFunc(parent.AvailableTags, func(t storage.ForumTag) bool { return t.ID == id }) {
				v.add(fmt.Sprintf("applied_tags.%d", i), "FORUM_TAG_INVALID", "Invalid forum tag")
			}
		}
		if forumPost && parent.Flags&opcodes.ChannelFlagRequireTag != 0 && len(tags) == 0 {
			return opcodes.Channel{}, ErrTagRequired
		}
		th.AppliedTags = slices.Compact(slices.Clone(tags))
	}
	if p.Flags != nil {
		if *p.Flags&^opcodes.ChannelFlagPinned != 0 || (*p.Flags&opcodes.ChannelFlagPinned != 0 && !forumPost) {
			v.add("flags", "CHANNEL_FLAGS_INVALID", "Invalid channel flags")
		}
		th.Flags = *p.Flags & opcodes.ChannelFlagPinned
	}
	if p.Type != nil && *p.Type != th.Type {
		v.add("type", "CHANNEL_TYPE_INVALID", "Cannot change channel type")
	}
	if err := v.err(); err != nil {
		return opcodes.Channel{}, err
	}
	if p.Archived != nil && *p.Archived != meta.Archived {
		meta.Archived = *p.Archived
		meta.ArchiveTimestamp = s.now().UTC()
	}
	if forumPost && th.Flags&opcodes.ChannelFlagPinned != 0 {
		// Discord allows one pinned post per forum.
		if err := s.unpinOtherPosts(ctx, parent, th.ID); err != nil {
			return opcodes.Channel{}, err
		}
	}
	th.Thread = &meta
	return s.saveThread(ctx, th)
}

// saveThread writes a thread and publishes THREAD_UPDATE.
func (s *Service) saveThread(ctx context.Context, th storage.Channel) (opcodes.Channel, error) {
	if err := s.store.Channels().Update(ctx, th); err != nil {
		return opcodes.Channel{}, notFound(err, ErrUnknownChannel, "update thread")
	}
	if fresh, err := s.store.Channels().Get(ctx, th.ID); err == nil {
		th = fresh // the counters are the store's
	}
	out := channelShape(th)
	s.publish(ctx, s.threadScope(ctx, opcodes.EventThreadUpdate, th), out)
	return out, nil
}

// unpinOtherPosts clears PINNED on the forum's other active posts.
func (s *Service) unpinOtherPosts(ctx context.Context, forum storage.Channel, keep snowflake.ID) error {
	ths, err := s.store.Channels().ListActiveThreads(ctx, forum.GuildID)
	if err != nil {
		return fmt.Errorf("list active threads: %w", err)
	}
	for _, o := range ths {
		if o.ParentID == forum.ID && o.ID != keep && o.Flags&opcodes.ChannelFlagPinned != 0 {
			o.Flags &^= opcodes.ChannelFlagPinned
			if _, err := s.saveThread(ctx, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteThread is DELETE /channels/{id} on a thread: MANAGE_THREADS; THREAD_DELETE goes to
// the audience the thread had.
func (s *Service) deleteThread(ctx context.Context, th storage.Channel, perms opcodes.Permissions) (opcodes.Channel, error) {
	if !perms.Has(opcodes.PermManageThreads) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	scope := s.threadScope(ctx, opcodes.EventThreadDelete, th)
	if err := s.store.Channels().Delete(ctx, th.ID); err != nil {
		return opcodes.Channel{}, notFound(err, ErrUnknownChannel, "delete thread")
	}
	s.publish(ctx, scope, opcodes.ThreadDelete{ID: th.ID, GuildID: th.GuildID, ParentID: th.ParentID, Type: opcodes.ChannelType(th.Type)})
	return channelShape(th), nil
}

// threadBeforeSend applies a thread's archive and lock state to a new message: a locked
// thread refuses members without MANAGE_THREADS; an archived one is unarchived by the
// message, as Discord does.
func (s *Service) threadBeforeSend(ctx context.Context, th *storage.Channel, perms opcodes.Permissions) error {
	if th.Thread == nil {
		return nil
	}
	if th.Thread.Locked && !perms.Has(opcodes.PermManageThreads) {
		return ErrThreadLocked
	}
	if !th.Thread.Archived {
		return nil
	}
	meta := *th.Thread
	meta.Archived, meta.ArchiveTimestamp = false, s.now().UTC()
	th.Thread = &meta
	_, err := s.saveThread(ctx, *th)
	return err
}

// threadArchiveBatch bounds one sweep of ArchiveDueThreads.
const threadArchiveBatch = 100

// ArchiveDueThreads archives the threads whose auto_archive_duration of inactivity has
// passed (at most one batch), publishing THREAD_UPDATE for each, and returns how many it
// archived. The due time comes from the store (archive timestamp and last message), so a
// restart loses nothing: the next sweep finds what is overdue.
func (s *Service) ArchiveDueThreads(ctx context.Context) (int, error) {
	now := s.now().UTC()
	due, err := s.store.Channels().ListDueThreads(ctx, now, threadArchiveBatch)
	if err != nil {
		return 0, fmt.Errorf("list due threads: %w", err)
	}
	n := 0
	for _, th := range due {
		meta := *th.Thread
		meta.Archived, meta.ArchiveTimestamp = true, now
		th.Thread = &meta
		if _, err := s.saveThread(ctx, th); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunThreadArchiver sweeps for due threads every interval until ctx ends; a sweep that
// filled its batch is followed by another at once. Errors are logged and retried at the next
// tick.
func (s *Service) RunThreadArchiver(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := s.ArchiveDueThreads(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.WarnContext(ctx, "archive due threads", "err", err)
				}
				break
			}
			if n < threadArchiveBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
