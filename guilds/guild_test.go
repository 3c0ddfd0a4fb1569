package guilds_test

import (
	"strings"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func TestCreateGuildShape(t *testing.T) {
	f := newFixture(t)
	g := f.guild
	if len(g.Roles) != 1 || g.Roles[0].ID != g.ID || g.Roles[0].Name != "@everyone" {
		t.Fatalf("roles = %+v, want only @everyone with the guild's ID", g.Roles)
	}
	if g.OwnerID != f.owner {
		t.Fatalf("owner = %v, want %v", g.OwnerID, f.owner)
	}
	ch, err := f.svc.Channel(f.ctx, f.owner, f.chID)
	if err != nil || *ch.Name != "general" || ch.Type != opcodes.ChannelGuildText {
		t.Fatalf("channel = %+v, %v", ch, err)
	}
	m, err := f.svc.Member(f.ctx, f.owner, g.ID, f.owner)
	if err != nil || m.User.ID != f.owner {
		t.Fatalf("owner member = %+v, %v", m, err)
	}
	adds := f.rec.named(opcodes.EventGuildMemberAdd)
	if len(adds) != 1 || adds[0].Subject != f.owner || adds[0].GuildID != g.ID {
		t.Fatalf("GUILD_MEMBER_ADD events = %+v", adds)
	}
	ids, err := f.svc.UserGuildIDs(f.ctx, f.owner)
	if err != nil || len(ids) != 1 || ids[0] != g.ID {
		t.Fatalf("UserGuildIDs = %v, %v", ids, err)
	}
}

func TestDomainBadInput(t *testing.T) {
	f := newFixture(t)
	outsider := f.user("outsider")
	long := strings.Repeat("x", 101)
	unknown := snowflake.ID(123456789)
	tests := []struct {
		name  string
		call  func() error
		want  error
		field string
	}{
		{"empty guild name", func() error {
			_, err := f.svc.CreateGuild(f.ctx, f.owner, guilds.CreateGuildParams{Name: " "})
			return err
		}, nil, "name"},
		{"over-long guild name", func() error {
			_, err := f.svc.CreateGuild(f.ctx, f.owner, guilds.CreateGuildParams{Name: long})
			return err
		}, nil, "name"},
		{"over-long channel name", func() error {
			_, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{Name: &long})
			return err
		}, nil, "name"},
		{"channel without name", func() error {
			_, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{})
			return err
		}, nil, "name"},
		{"unknown channel type", func() error {
			n, typ := "x", 99
			_, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{Name: &n, Type: &typ})
			return err
		}, nil, "type"},
		{"message too long", func() error {
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: strings.Repeat("a", 2001)})
			return err
		}, nil, "content"},
		{"empty message", func() error {
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{})
			return err
		}, guilds.ErrEmptyMessage, ""},
		{"too many embeds", func() error {
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Embeds: make([]opcodes.Embed, 11)})
			return err
		}, nil, "embeds"},
		{"embed total over 6000", func() error {
			e := []opcodes.Embed{{Description: strings.Repeat("d", 4000)}, {Description: strings.Repeat("d", 2001)}}
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Embeds: e})
			return err
		}, nil, "embeds"},
		{"embed title over 256", func() error {
			e := []opcodes.Embed{{Title: strings.Repeat("t", 257)}}
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Embeds: e})
			return err
		}, nil, "embeds.0.title"},
		{"nonce too long", func() error {
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "x", Nonce: []byte(`"` + strings.Repeat("n", 26) + `"`)})
			return err
		}, nil, "nonce"},
		{"sticker ids rejected", func() error {
			_, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{StickerIDs: []snowflake.ID{1}})
			return err
		}, nil, "sticker_ids"},
		{"unknown channel", func() error {
			_, err := f.svc.CreateMessage(f.ctx, f.owner, unknown, guilds.MessageParams{Content: "x"})
			return err
		}, guilds.ErrUnknownChannel, ""},
		{"unknown guild", func() error { _, err := f.svc.Guild(f.ctx, f.owner, unknown, false); return err }, guilds.ErrUnknownGuild, ""},
		{"outsider sees no guild", func() error { _, err := f.svc.Guild(f.ctx, outsider, f.guild.ID, false); return err }, guilds.ErrUnknownGuild, ""},
		{"outsider cannot post", func() error {
			_, err := f.svc.CreateMessage(f.ctx, outsider, f.chID, guilds.MessageParams{Content: "x"})
			return err
		}, guilds.ErrMissingAccess, ""},
		{"unknown message", func() error { _, err := f.svc.Message(f.ctx, f.owner, f.chID, unknown); return err }, guilds.ErrUnknownMessage, ""},
		{"unknown role", func() error { _, err := f.svc.Role(f.ctx, f.owner, f.guild.ID, unknown); return err }, guilds.ErrUnknownRole, ""},
		{"unknown member", func() error { _, err := f.svc.Member(f.ctx, f.owner, f.guild.ID, unknown); return err }, guilds.ErrUnknownMember, ""},
		{"unknown user", func() error { _, err := f.svc.User(f.ctx, unknown); return err }, guilds.ErrUnknownUser, ""},
		{"history limit over 100", func() error {
			_, err := f.svc.Messages(f.ctx, f.owner, f.chID, pageLimit(101))
			return err
		}, nil, "limit"},
		{"history limit zero", func() error {
			_, err := f.svc.Messages(f.ctx, f.owner, f.chID, pageLimit(0))
			return err
		}, nil, "limit"},
		{"bulk delete of one", func() error { return f.svc.BulkDelete(f.ctx, f.owner, f.chID, []snowflake.ID{1}) }, nil, "messages"},
		{"bulk delete too old", func() error { return f.svc.BulkDelete(f.ctx, f.owner, f.chID, []snowflake.ID{1, 2}) }, guilds.ErrBulkDeleteTooOld, ""},
		{"short username", func() error {
			_, err := f.svc.Register(f.ctx, guilds.RegisterParams{Username: "a", Password: "long enough pw"})
			return err
		}, nil, "username"},
		{"short password", func() error {
			_, err := f.svc.Register(f.ctx, guilds.RegisterParams{Username: "someone", Password: "short"})
			return err
		}, nil, "password"},
		{"duplicate username", func() error {
			_, err := f.svc.Register(f.ctx, guilds.RegisterParams{Username: "OWNER", Password: "long enough pw"})
			return err
		}, nil, "username"},
		{"role color out of range", func() error {
			c := 0x1000000
			_, err := f.svc.CreateRole(f.ctx, f.owner, f.guild.ID, guilds.RoleParams{Color: &c})
			return err
		}, nil, "color"},
		{"owner cannot leave", func() error { return f.svc.LeaveGuild(f.ctx, f.owner, f.guild.ID) }, guilds.ErrOwnerCannotLeave, ""},
		{"cannot DM oneself", func() error { _, err := f.svc.CreateDM(f.ctx, f.owner, f.owner); return err }, guilds.ErrInvalidDMTarget, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.field != "" {
				wantValidation(t, err, tt.field)
				return
			}
			wantErr(t, err, tt.want)
		})
	}
}

func TestMissingPermissions(t *testing.T) {
	f := newFixture(t)
	m := f.member("plain")
	name := "new-channel"
	tests := []struct {
		name string
		call func() error
	}{
		{"create channel", func() error {
			_, err := f.svc.CreateChannel(f.ctx, m, f.guild.ID, guilds.ChannelParams{Name: &name})
			return err
		}},
		{"modify guild", func() error {
			_, err := f.svc.ModifyGuild(f.ctx, m, f.guild.ID, guilds.ModifyGuildParams{Name: &name})
			return err
		}},
		{"delete guild", func() error { return f.svc.DeleteGuild(f.ctx, m, f.guild.ID) }},
		{"create role", func() error { _, err := f.svc.CreateRole(f.ctx, m, f.guild.ID, guilds.RoleParams{}); return err }},
		{"kick owner", func() error { return f.svc.KickMember(f.ctx, m, f.guild.ID, f.owner) }},
		{"delete channel", func() error { _, err := f.svc.DeleteChannel(f.ctx, m, f.chID); return err }},
		{"bulk delete", func() error { return f.svc.BulkDelete(f.ctx, m, f.chID, []snowflake.ID{1, 2}) }},
		{"pin", func() error {
			msg, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "pin me"})
			if err != nil {
				return err
			}
			return f.svc.Pin(f.ctx, m, f.chID, msg.ID)
		}},
		{"delete someone else's message", func() error {
			msg, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "mine"})
			if err != nil {
				return err
			}
			return f.svc.DeleteMessage(f.ctx, m, f.chID, msg.ID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.call(), guilds.ErrMissingPermissions)
		})
	}
}
