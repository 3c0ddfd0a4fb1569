package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Op 8 limits (protocol.md §3.9).
const (
	membersChunkSize   = 1000 // members per GUILD_MEMBERS_CHUNK
	membersQueryLimit  = 100  // prefix queries return at most this many
	membersMaxUserIDs  = 100
	membersMaxNonceLen = 32
)

// membersRequest is op 8's d, read loosely: user_ids may be one ID or a list, IDs may be
// strings or numbers.
type membersRequest struct {
	GuildID   snowflake.ID    `json:"guild_id"`
	Query     *string         `json:"query"`
	Limit     int             `json:"limit"`
	Presences bool            `json:"presences"`
	UserIDs   json.RawMessage `json:"user_ids"`
	Nonce     string          `json:"nonce"`
}

// handleRequestMembers validates op 8 on the reader goroutine and does the member lookup on
// its own goroutine, so a large guild cannot hold up heartbeat reads.
func (c *conn) handleRequestMembers(d json.RawMessage) error {
	var r membersRequest
	if err := json.Unmarshal(d, &r); err != nil {
		return closeErr(opcodes.CloseUnknownOpcode, "invalid request guild members payload")
	}
	if len(r.Nonce) > membersMaxNonceLen {
		r.Nonce = "" // Discord ignores an invalid nonce
	}
	var ids []snowflake.ID
	var bad []any // not_found echoes non-snowflake IDs as sent
	if raw := bytes.TrimSpace(r.UserIDs); len(raw) > 0 && string(raw) != "null" {
		var list []json.RawMessage
		if raw[0] == '[' {
			if err := json.Unmarshal(raw, &list); err != nil {
				return closeErr(opcodes.CloseUnknownOpcode, "invalid user_ids")
			}
		} else {
			list = []json.RawMessage{raw}
		}
		if len(list) > membersMaxUserIDs {
			return closeErr(opcodes.CloseUnknownOpcode, "too many user_ids")
		}
		for _, e := range list {
			var id snowflake.ID
			if err := json.Unmarshal(e, &id); err != nil || id == 0 {
				var v any
				_ = json.Unmarshal(e, &v)
				bad = append(bad, v)
				continue
			}
			ids = append(ids, id)
		}
	}
	if r.Query == nil && r.UserIDs == nil {
		return closeErr(opcodes.CloseUnknownOpcode, "query or user_ids required")
	}
	s := c.sess
	if !s.hasGuild(r.GuildID) {
		return nil // not a guild this session sees; Discord sends nothing
	}
	all := r.Query != nil && *r.Query == "" && r.Limit == 0 && r.UserIDs == nil
	if all {
		if !s.intents.Has(opcodes.IntentGuildMembers) {
			// Without GUILD_MEMBERS the full list is not available; answer with an empty
			// chunk so clients waiting on the nonce do not hang.
			s.sendMembersChunks(r.GuildID, nil, nil, false, r.Nonce)
			return nil
		}
		if wait := s.membersRateLimited(r.GuildID); wait > 0 {
			meta := map[string]any{"guild_id": r.GuildID}
			if r.Nonce != "" {
				meta["nonce"] = r.Nonce
			}
			p, err := newPayload(opcodes.EventRateLimited, opcodes.RateLimited{
				Opcode:     opcodes.RequestGuildMembers,
				RetryAfter: wait.Seconds(),
				Meta:       meta,
			})
			if err != nil {
				return err
			}
			s.send(p, false)
			return nil
		}
	}
	presences := r.Presences && s.intents.Has(opcodes.IntentGuildPresences)
	// The query is cancelled if the socket's reader ends first (the client is gone) or the
	// server shuts down; Shutdown waits for both goroutines.
	if !c.srv.startLookup() {
		return nil // the node is shutting down; the socket closes next
	}
	ctx, cancel := context.WithCancel(c.srv.ctx)
	c.srv.lookups.Add(1) // the watcher; startLookup counted the lookup
	go func() {
		defer c.srv.lookups.Done()
		select {
		case <-c.readerDone:
			cancel()
		case <-ctx.Done():
		}
	}()
	go func() {
		defer c.srv.lookups.Done()
		defer cancel()
		var members []opcodes.Member
		var err error
		if ids != nil || r.UserIDs != nil {
			if len(ids) > 0 {
				members, err = c.srv.svc.MembersByID(ctx, r.GuildID, ids)
			}
		} else {
			limit := r.Limit
			if !all && (limit <= 0 || limit > membersQueryLimit) {
				limit = membersQueryLimit
			}
			members, err = c.srv.svc.SearchMembers(ctx, r.GuildID, *r.Query, limit)
		}
		if err != nil {
			s.log.Warn("gateway: request guild members", "guild_id", r.GuildID, "err", err)
			return
		}
		notFound := bad
		if len(ids) > 0 {
			found := make(map[snowflake.ID]bool, len(members))
			for _, m := range members {
				if m.User != nil {
					found[m.User.ID] = true
				}
			}
			for _, id := range ids {
				if !found[id] {
					notFound = append(notFound, id.String())
				}
			}
		}
		s.sendMembersChunks(r.GuildID, members, notFound, presences, r.Nonce)
	}()
	return nil
}

// membersRateLimited records an all-members request and returns how long the caller must
// wait if one was made within MembersRequestInterval.
func (s *Session) membersRateLimited(guildID snowflake.ID) time.Duration {
	now := s.srv.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.membersAt == nil {
		s.membersAt = make(map[snowflake.ID]time.Time)
	}
	if last, ok := s.membersAt[guildID]; ok {
		if wait := s.srv.cfg.MembersRequestInterval - now.Sub(last); wait > 0 {
			return wait
		}
	}
	s.membersAt[guildID] = now
	return 0
}

// sendMembersChunks splits members into GUILD_MEMBERS_CHUNKs of at most membersChunkSize;
// not_found goes in the first chunk. There is always at least one chunk.
func (s *Session) sendMembersChunks(guildID snowflake.ID, members []opcodes.Member, notFound []any, presences bool, nonce string) {
	count := max(1, (len(members)+membersChunkSize-1)/membersChunkSize)
	for i := range count {
		part := members[min(i*membersChunkSize, len(members)):min((i+1)*membersChunkSize, len(members))]
		if part == nil {
			part = []opcodes.Member{}
		}
		chunk := opcodes.GuildMembersChunk{
			GuildID:    guildID,
			Members:    part,
			ChunkIndex: i,
			ChunkCount: count,
			Nonce:      nonce,
		}
		if i == 0 && len(notFound) > 0 {
			chunk.NotFound = notFound
		}
		if presences {
			chunk.Presences = []opcodes.Presence{}
			ids := make([]snowflake.ID, 0, len(part))
			for _, m := range part {
				if m.User != nil {
					ids = append(ids, m.User.ID)
				}
			}
			found := s.srv.presences.getMany(s.srv.ctx, ids)
			for _, id := range ids {
				if p, ok := found[id]; ok {
					chunk.Presences = append(chunk.Presences, presenceFor(id, guildID, p))
				}
			}
		}
		p, err := newPayload(opcodes.EventGuildMembersChunk, chunk)
		if err != nil {
			s.log.Error("gateway: members chunk", "err", err)
			return
		}
		s.send(p, false)
	}
}
