package guilds_test

import (
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func TestRoleHierarchy(t *testing.T) {
	f := newFixture(t)
	mod := f.member("mod")
	victim := f.member("victim")
	peer := f.member("peer")
	mk := func(name string, perms opcodes.Permissions) opcodes.Role {
		t.Helper()
		r, err := f.svc.CreateRole(f.ctx, f.owner, f.guild.ID, guilds.RoleParams{Name: &name, Permissions: &perms})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Created bottom-up: each new role starts at position 1, pushing earlier ones up, so the
	// last created is lowest.
	high := mk("high", 0)
	modRole := mk("moderator", opcodes.PermKickMembers|opcodes.PermBanMembers|opcodes.PermManageRoles|opcodes.PermManageNicknames)
	low := mk("low", 0)
	give := func(user, role snowflake.ID) {
		t.Helper()
		if err := f.svc.AddMemberRole(f.ctx, f.owner, f.guild.ID, user, role); err != nil {
			t.Fatal(err)
		}
	}
	give(mod, modRole.ID)
	give(victim, low.ID)
	give(peer, high.ID)

	if err := f.svc.AddMemberRole(f.ctx, mod, f.guild.ID, victim, high.ID); err != guilds.ErrMissingPermissions {
		t.Errorf("assign a role above own highest: err = %v, want ErrMissingPermissions", err)
	}
	if err := f.svc.AddMemberRole(f.ctx, mod, f.guild.ID, victim, modRole.ID); err != guilds.ErrMissingPermissions {
		t.Errorf("assign own highest role: err = %v, want ErrMissingPermissions", err)
	}
	if _, err := f.svc.ModifyRole(f.ctx, mod, f.guild.ID, high.ID, guilds.RoleParams{}); err != guilds.ErrMissingPermissions {
		t.Errorf("edit a higher role: err = %v", err)
	}
	if err := f.svc.KickMember(f.ctx, mod, f.guild.ID, peer); err != guilds.ErrMissingPermissions {
		t.Errorf("kick a higher member: err = %v", err)
	}
	if err := f.svc.KickMember(f.ctx, mod, f.guild.ID, f.owner); err != guilds.ErrMissingPermissions {
		t.Errorf("kick the owner: err = %v", err)
	}
	if err := f.svc.CreateBan(f.ctx, mod, f.guild.ID, peer, 0, nil); err != guilds.ErrMissingPermissions {
		t.Errorf("ban a higher member: err = %v", err)
	}
	grant := opcodes.PermAdministrator
	if _, err := f.svc.CreateRole(f.ctx, mod, f.guild.ID, guilds.RoleParams{Permissions: &grant}); err != guilds.ErrMissingPermissions {
		t.Errorf("grant a permission one lacks: err = %v", err)
	}
	// Below the actor's highest role everything is allowed.
	if err := f.svc.AddMemberRole(f.ctx, mod, f.guild.ID, victim, low.ID); err != nil {
		t.Errorf("assign a lower role: %v", err)
	}
	if err := f.svc.KickMember(f.ctx, mod, f.guild.ID, victim); err != nil {
		t.Errorf("kick a lower member: %v", err)
	}
	rm := f.rec.named(opcodes.EventGuildMemberRemove)
	if len(rm) != 1 || rm[0].Subject != victim {
		t.Errorf("GUILD_MEMBER_REMOVE = %+v", rm)
	}
}

func TestDMRecipients(t *testing.T) {
	f := newFixture(t)
	other := f.user("friend")
	ch, err := f.svc.CreateDM(f.ctx, f.owner, other)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Type != opcodes.ChannelDM || len(ch.Recipients) != 1 || ch.Recipients[0].ID != other {
		t.Fatalf("dm = %+v, want type 1 with the other user only", ch)
	}
	again, err := f.svc.CreateDM(f.ctx, other, f.owner)
	if err != nil || again.ID != ch.ID {
		t.Fatalf("second CreateDM = %v (%v), want the same channel %v", again.ID, err, ch.ID)
	}
	msg, err := f.svc.CreateMessage(f.ctx, other, ch.ID, guilds.MessageParams{Content: "psst"})
	if err != nil {
		t.Fatal(err)
	}
	evs := f.rec.named(opcodes.EventMessageCreate)
	last := evs[len(evs)-1]
	if last.GuildID != 0 || len(last.UserIDs) != 2 || last.Stripped != nil || eventData[opcodes.Message](t, last).ID != msg.ID {
		t.Fatalf("DM MESSAGE_CREATE scope = %+v", last)
	}
	stranger := f.user("stranger")
	if _, err := f.svc.CreateMessage(f.ctx, stranger, ch.ID, guilds.MessageParams{Content: "hi"}); err != guilds.ErrMissingAccess {
		t.Fatalf("stranger posting in DM: err = %v", err)
	}
}

func TestDuplicateOverwriteIDsLastWins(t *testing.T) {
	f := newFixture(t)
	m := f.member("dup")
	name, member := "dups", 1
	deny, allow := opcodes.PermSendMessages, opcodes.PermSendMessages
	ch, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{Name: &name,
		PermissionOverwrites: &[]guilds.OverwriteParams{
			{ID: m, Type: &member, Deny: &deny},
			{ID: m, Type: &member, Allow: &allow},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.PermissionOverwrites) != 1 || ch.PermissionOverwrites[0].Allow != allow || ch.PermissionOverwrites[0].Deny != 0 {
		t.Fatalf("overwrites = %+v, want one (the last) for the repeated ID", ch.PermissionOverwrites)
	}
	p, err := f.svc.ChannelPermissions(f.ctx, f.guild.ID, ch.ID, m)
	if err != nil || !p.Has(opcodes.PermSendMessages) {
		t.Fatalf("permissions = %d, %v; want SEND_MESSAGES from the last overwrite", p, err)
	}
}
