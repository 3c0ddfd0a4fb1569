package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Guild prune. Discord prunes members it has not seen for the given days. Parley keeps no
// history of when a user was last online (presence lives in each gateway node's memory), so
// its rule, documented here and in docs, is: a member is inactive for d days when they joined
// more than d days ago, posted no message in the guild in the last d days, are not in a voice
// channel of the guild, and are not the owner. As on Discord, members with any role are kept
// unless every role they have is in include_roles, and the actor must outrank whoever is kicked.

// PruneParams is POST /guilds/{id}/prune (GET takes days and include_roles as the query).
type PruneParams struct {
	Days              *int     `json:"days"`
	ComputePruneCount *bool    `json:"compute_prune_count"`
	IncludeRoles      RoleList `json:"include_roles"`
}

// RoleList is include_roles: a JSON array of role IDs or, as Discord also takes, one string
// of comma-separated IDs.
type RoleList []snowflake.ID

// errBadRoleList is a role list that is neither an array of IDs nor comma-separated IDs.
var errBadRoleList = errors.New("guilds: include_roles must be role IDs")

// UnmarshalJSON accepts an array of IDs or a comma-separated string.
func (l *RoleList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		ids, err := ParseRoleList(s)
		*l = ids
		return err
	}
	var ids []snowflake.ID
	if err := json.Unmarshal(b, &ids); err != nil {
		return errBadRoleList
	}
	for _, id := range ids {
		if id == 0 { // snowflake.Parse refuses 0 in the comma form; the array form agrees
			return errBadRoleList
		}
	}
	*l = ids
	return nil
}

// ParseRoleList reads comma-separated role IDs (GET prune's include_roles); "" is none.
func ParseRoleList(s string) (RoleList, error) {
	var out RoleList
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := snowflake.Parse(part)
		if err != nil {
			return nil, errBadRoleList
		}
		out = append(out, id)
	}
	return out, nil
}

// pruneBatch is how many members one store read brings while looking for inactive ones.
const pruneBatch = 1000

// PruneCount is GET /guilds/{id}/prune: KICK_MEMBERS and MANAGE_GUILD; days 1–30 (default 7).
// includeRoles is the query's comma-separated role IDs.
func (s *Service) PruneCount(ctx context.Context, actor, guildID snowflake.ID, days int, includeRoles string) (opcodes.Prune, error) {
	roles, err := ParseRoleList(includeRoles)
	if err != nil {
		var v validator
		v.add("include_roles", "NUMBER_TYPE_COERCE", "Value is not snowflake.")
		return opcodes.Prune{}, v.err()
	}
	doomed, err := s.pruneCandidates(ctx, actor, guildID, days, roles)
	if err != nil {
		return opcodes.Prune{}, err
	}
	n := len(doomed)
	return opcodes.Prune{Pruned: &n}, nil
}

// Prune is POST /guilds/{id}/prune: kicks the inactive members (each publishes
// GUILD_MEMBER_REMOVE) and answers how many, or null when compute_prune_count is false.
func (s *Service) Prune(ctx context.Context, actor, guildID snowflake.ID, p PruneParams) (opcodes.Prune, error) {
	days := 7
	if p.Days != nil {
		days = *p.Days
	}
	doomed, err := s.pruneCandidates(ctx, actor, guildID, days, p.IncludeRoles)
	if err != nil {
		return opcodes.Prune{}, err
	}
	n := 0
	for _, id := range doomed {
		if err := s.removeMember(ctx, guildID, id); err != nil {
			if errors.Is(err, ErrUnknownMember) { // left meanwhile
				continue
			}
			return opcodes.Prune{}, fmt.Errorf("prune: %w", err)
		}
		n++
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberPrune, ActorID: actor,
		Options: &opcodes.AuditEntryInfo{DeleteMemberDays: strconv.Itoa(days), MembersRemoved: strconv.Itoa(n)}})
	if p.ComputePruneCount != nil && !*p.ComputePruneCount {
		return opcodes.Prune{}, nil
	}
	return opcodes.Prune{Pruned: &n}, nil
}

func (s *Service) pruneCandidates(ctx context.Context, actor, guildID snowflake.ID, days int, includeRoles RoleList) ([]snowflake.ID, error) {
	gp, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermKickMembers|opcodes.PermManageGuild)
	if err != nil {
		return nil, err
	}
	var v validator
	if days < 1 || days > 30 {
		v.add("days", "NUMBER_TYPE_MAX", "int value should be between 1 and 30.")
	}
	if len(includeRoles) > 100 {
		v.add("include_roles", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	for _, r := range includeRoles {
		if _, ok := gp.rolePerms[r]; !ok {
			v.add("include_roles", "ROLE_INVALID", "Unknown role "+r.String())
			break
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	cutoff := s.now().Add(-time.Duration(days) * 24 * time.Hour)
	active, err := s.store.Activity().ActiveAuthors(ctx, guildID, snowflake.FromTime(cutoff))
	if err != nil {
		return nil, fmt.Errorf("prune: active authors: %w", err)
	}
	keep := make(map[snowflake.ID]bool, len(active))
	for _, id := range active {
		keep[id] = true
	}
	voice, err := s.store.VoiceStates().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("prune: voice states: %w", err)
	}
	for _, vs := range voice {
		keep[vs.UserID] = true
	}
	var doomed []snowflake.ID
	after := snowflake.ID(0)
	for {
		ms, err := s.store.Members().List(ctx, guildID, after, pruneBatch)
		if err != nil {
			return nil, fmt.Errorf("prune: list members: %w", err)
		}
		for _, m := range ms {
			if inactive(m, cutoff, keep, includeRoles) && m.UserID != gp.ownerID && m.UserID != actor && gp.outranks(actor, m.UserID) {
				doomed = append(doomed, m.UserID)
			}
		}
		if len(ms) < pruneBatch {
			return doomed, nil
		}
		after = ms[len(ms)-1].UserID
	}
}

func inactive(m storage.Member, cutoff time.Time, keep map[snowflake.ID]bool, includeRoles RoleList) bool {
	if keep[m.UserID] || !m.JoinedAt.Before(cutoff) {
		return false
	}
	for _, r := range m.Roles {
		if !slices.Contains(includeRoles, r) {
			return false
		}
	}
	return true
}
