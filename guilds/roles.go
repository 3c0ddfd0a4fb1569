package guilds

import (
	"context"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// createRole stores a new role just above @everyone's other roles (position 1, shifting
// nothing: Discord places new roles at the bottom) and publishes GUILD_ROLE_CREATE.
func (s *Service) createRole(ctx context.Context, guildID snowflake.ID, r storage.Role) (opcodes.Role, error) {
	roles, err := s.store.Roles().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.Role{}, fmt.Errorf("list roles: %w", err)
	}
	r.ID = s.ids.Next()
	r.GuildID = guildID
	r.Position = 1
	if len(roles) > 250 {
		var v validator
		v.add("roles", "MAX_ROLES", "Maximum number of guild roles reached (250)")
		return opcodes.Role{}, v.err()
	}
	// Existing non-everyone roles move up one so the new role sits at the bottom.
	shift := make(map[snowflake.ID]int)
	for _, o := range roles {
		if o.ID != guildID {
			shift[o.ID] = o.Position + 1
		}
	}
	if len(shift) > 0 {
		if err := s.store.Roles().UpdatePositions(ctx, guildID, shift); err != nil {
			return opcodes.Role{}, fmt.Errorf("shift roles: %w", err)
		}
	}
	if err := s.store.Roles().Create(ctx, r); err != nil {
		return opcodes.Role{}, fmt.Errorf("create role: %w", err)
	}
	out := roleShape(r)
	s.publish(ctx, events.Event{Name: opcodes.EventGuildRoleCreate, GuildID: guildID},
		opcodes.GuildRoleEvent{GuildID: guildID, Role: out})
	for _, o := range roles {
		if p, ok := shift[o.ID]; ok {
			o.Position = p
			s.publish(ctx, events.Event{Name: opcodes.EventGuildRoleUpdate, GuildID: guildID},
				opcodes.GuildRoleEvent{GuildID: guildID, Role: roleShape(o)})
		}
	}
	return out, nil
}

// Roles is GET /guilds/{id}/roles.
func (s *Service) Roles(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Role, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	roles, err := s.store.Roles().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	out := make([]opcodes.Role, len(roles))
	for i, r := range roles {
		out[i] = roleShape(r)
	}
	return out, nil
}

// Role is GET /guilds/{id}/roles/{role}.
func (s *Service) Role(ctx context.Context, actor, guildID, roleID snowflake.ID) (opcodes.Role, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Role{}, err
	}
	r, err := s.store.Roles().Get(ctx, guildID, roleID)
	if err != nil {
		return opcodes.Role{}, notFound(err, ErrUnknownRole, "load role")
	}
	return roleShape(r), nil
}

// RoleColorsParams is the colors object of a role request.
type RoleColorsParams struct {
	PrimaryColor   int  `json:"primary_color"`
	SecondaryColor *int `json:"secondary_color"`
	TertiaryColor  *int `json:"tertiary_color"`
}

// RoleMemberCounts is GET /guilds/{id}/roles/member-counts: how many members hold each role
// (@everyone excluded), from the permission cache.
func (s *Service) RoleMemberCounts(ctx context.Context, actor, guildID snowflake.ID) (map[snowflake.ID]int, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return nil, err
	}
	counts := make(map[snowflake.ID]int, len(gp.rolePerms))
	for id := range gp.rolePerms {
		if id != guildID {
			counts[id] = 0
		}
	}
	for _, m := range gp.members {
		for _, r := range m.roles {
			if _, ok := counts[r]; ok {
				counts[r]++
			}
		}
	}
	return counts, nil
}

// RoleParams is POST and PATCH /guilds/{id}/roles[/{role}]. Nil fields keep their value.
type RoleParams struct {
	Name         *string                  `json:"name"`
	Permissions  *opcodes.Permissions     `json:"permissions"`
	Color        *int                     `json:"color"`
	Colors       *RoleColorsParams        `json:"colors"`
	Hoist        *bool                    `json:"hoist"`
	UnicodeEmoji opcodes.Nullable[string] `json:"unicode_emoji"`
	Mentionable  *bool                    `json:"mentionable"`
}

// apply validates p and copies it onto r. Granting permissions the actor lacks is refused.
func (p RoleParams) apply(v *validator, r *storage.Role, actorPerms opcodes.Permissions) error {
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		v.length("name", name, 1, 100)
		r.Name = name
	}
	if p.Permissions != nil {
		if *p.Permissions&^opcodes.PermAll != 0 {
			v.add("permissions", "PERMISSIONS_INVALID", "Invalid permissions")
		}
		added := *p.Permissions &^ opcodes.Permissions(r.Permissions)
		if added&^actorPerms != 0 {
			return ErrMissingPermissions
		}
		r.Permissions = uint64(*p.Permissions)
	}
	color := func(field string, c int) {
		if c < 0 || c > 0xFFFFFF {
			v.add(field, "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
	}
	if p.Color != nil {
		color("color", *p.Color)
		r.Colors.Primary = *p.Color
	}
	if p.Colors != nil {
		color("colors.primary_color", p.Colors.PrimaryColor)
		if p.Colors.SecondaryColor != nil {
			color("colors.secondary_color", *p.Colors.SecondaryColor)
		}
		if p.Colors.TertiaryColor != nil {
			color("colors.tertiary_color", *p.Colors.TertiaryColor)
		}
		r.Colors = storage.RoleColors{Primary: p.Colors.PrimaryColor, Secondary: p.Colors.SecondaryColor, Tertiary: p.Colors.TertiaryColor}
	}
	if p.Hoist != nil {
		r.Hoist = *p.Hoist
	}
	if p.Mentionable != nil {
		r.Mentionable = *p.Mentionable
	}
	if p.UnicodeEmoji.Set {
		r.UnicodeEmoji = p.UnicodeEmoji.Ptr()
	}
	return nil
}

// CreateRole is POST /guilds/{id}/roles: MANAGE_ROLES, and only permissions the actor has.
func (s *Service) CreateRole(ctx context.Context, actor, guildID snowflake.ID, p RoleParams) (opcodes.Role, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Role{}, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageRoles); err != nil {
		return opcodes.Role{}, err
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return opcodes.Role{}, err
	}
	r := storage.Role{Name: "new role", Permissions: uint64(opcodes.PermDefaultEveryone & perms)}
	var v validator
	if err := p.apply(&v, &r, perms); err != nil {
		return opcodes.Role{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.Role{}, err
	}
	out, err := s.createRole(ctx, guildID, r)
	if err != nil {
		return opcodes.Role{}, err
	}
	r.ID = out.ID
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditRoleCreate, ActorID: actor, TargetID: out.ID,
		Changes: fieldChanges(nil, roleFields(r))})
	return out, nil
}

// ModifyRole is PATCH /guilds/{id}/roles/{role}: MANAGE_ROLES and the role below the actor's
// highest (the owner may edit any).
func (s *Service) ModifyRole(ctx context.Context, actor, guildID, roleID snowflake.ID, p RoleParams) (opcodes.Role, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Role{}, err
	}
	r, err := s.store.Roles().Get(ctx, guildID, roleID)
	if err != nil {
		return opcodes.Role{}, notFound(err, ErrUnknownRole, "load role")
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageRoles)
	if err != nil {
		return opcodes.Role{}, err
	}
	if roleID != guildID && !gp.canManageRole(actor, r.Position) {
		return opcodes.Role{}, ErrMissingPermissions
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return opcodes.Role{}, err
	}
	if roleID == guildID && p.Name != nil {
		p.Name = nil // @everyone keeps its name
	}
	before := r
	var v validator
	if err := p.apply(&v, &r, perms); err != nil {
		return opcodes.Role{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.Role{}, err
	}
	if err := s.store.Roles().Update(ctx, r); err != nil {
		return opcodes.Role{}, notFound(err, ErrUnknownRole, "update role")
	}
	out := roleShape(r)
	s.publish(ctx, events.Event{Name: opcodes.EventGuildRoleUpdate, GuildID: guildID},
		opcodes.GuildRoleEvent{GuildID: guildID, Role: out})
	if c := fieldChanges(roleFields(before), roleFields(r)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditRoleUpdate, ActorID: actor, TargetID: roleID, Changes: c})
	}
	return out, nil
}

// RolePosition is one entry of PATCH /guilds/{id}/roles.
type RolePosition struct {
	ID       snowflake.ID `json:"id"`
	Position *int         `json:"position"`
}

// ReorderRoles is PATCH /guilds/{id}/roles: the actor may only move roles below its highest,
// and not to or above it.
func (s *Service) ReorderRoles(ctx context.Context, actor, guildID snowflake.ID, ps []RolePosition) ([]opcodes.Role, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageRoles)
	if err != nil {
		return nil, err
	}
	var v validator
	positions := make(map[snowflake.ID]int)
	for i, p := range ps {
		cur, ok := gp.rolePos[p.ID]
		if !ok || p.ID == guildID {
			v.add(fmt.Sprintf("%d.id", i), "ROLE_INVALID", "Invalid role")
			continue
		}
		if p.Position == nil {
			continue
		}
		if *p.Position < 1 {
			v.add(fmt.Sprintf("%d.position", i), "NUMBER_TYPE_MIN", "int value should be greater than or equal to 1.")
			continue
		}
		if !gp.canManageRole(actor, cur) || !gp.canManageRole(actor, *p.Position) {
			return nil, ErrMissingPermissions
		}
		positions[p.ID] = *p.Position
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.store.Roles().UpdatePositions(ctx, guildID, positions); err != nil {
		return nil, fmt.Errorf("update positions: %w", err)
	}
	roles, err := s.store.Roles().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	out := make([]opcodes.Role, len(roles))
	for i, r := range roles {
		out[i] = roleShape(r)
		if _, moved := positions[r.ID]; moved {
			s.publish(ctx, events.Event{Name: opcodes.EventGuildRoleUpdate, GuildID: guildID},
				opcodes.GuildRoleEvent{GuildID: guildID, Role: out[i]})
		}
	}
	return out, nil
}

// DeleteRole is DELETE /guilds/{id}/roles/{role}. @everyone and managed roles cannot be deleted.
func (s *Service) DeleteRole(ctx context.Context, actor, guildID, roleID snowflake.ID) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	r, err := s.store.Roles().Get(ctx, guildID, roleID)
	if err != nil {
		return notFound(err, ErrUnknownRole, "load role")
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageRoles)
	if err != nil {
		return err
	}
	if roleID == guildID {
		var v validator
		v.add("role_id", "ROLE_INVALID", "Cannot delete the @everyone role")
		return v.err()
	}
	if r.Managed || !gp.canManageRole(actor, r.Position) {
		return ErrMissingPermissions
	}
	if err := s.store.Roles().Delete(ctx, guildID, roleID); err != nil {
		return notFound(err, ErrUnknownRole, "delete role")
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildRoleDelete, GuildID: guildID},
		opcodes.GuildRoleDelete{GuildID: guildID, RoleID: roleID})
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditRoleDelete, ActorID: actor, TargetID: roleID,
		Changes: fieldChanges(roleFields(r), nil)})
	return nil
}
