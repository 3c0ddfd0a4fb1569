package rest_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"testing"
)

// sendForm makes a multipart request of plain fields and files (Create Guild Sticker's form).
func (e *env) sendForm(t testing.TB, method, path, token string, fields map[string]string, files ...upload) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.filename))
		h.Set("Content-Type", f.contentType)
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return e.call(t, method, path, token, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

func TestStickers(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m, b := w.owner.Token, w.member.Token, w.bot.Token
	g := "/guilds/" + w.guildID + "/stickers"
	file := func(data []byte) upload { return upload{"file", "s.png", "image/png", data} }
	fields := func(name string) map[string]string {
		return map[string]string{"name": name, "tags": "wave", "description": "a wave"}
	}

	st := want(t, e.sendForm(t, "POST", g, b, fields("wave"), file(testPNG(t, 320, 320))), 201).obj(t)
	id := str(st, "id")
	if st["format_type"].(float64) != 1 || st["type"].(float64) != 2 || st["user"] == nil {
		t.Fatalf("sticker: %v", st)
	}
	// The member creates one of their own (CREATE_GUILD_EXPRESSIONS is in @everyone's default).
	mine := want(t, e.sendForm(t, "POST", g, m, fields("mine"), file(testPNG(t, 16, 16))), 201).obj(t)

	t.Run("validation", func(t *testing.T) {
		fieldErr(t, wantErr(t, e.sendForm(t, "POST", g, b, fields("x"), file(testPNG(t, 8, 8))), 400, 50035), "name")
		fieldErr(t, wantErr(t, e.sendForm(t, "POST", g, b, map[string]string{"name": "notags"}, file(testPNG(t, 8, 8))), 400, 50035), "tags")
		fieldErr(t, wantErr(t, e.sendForm(t, "POST", g, b, fields("nofile")), 400, 50035), "file")
		wantErr(t, e.sendForm(t, "POST", g, b, fields("jpeg"), upload{"file", "s.jpg", "image/jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0}}), 400, 50046)
		wantErr(t, e.sendForm(t, "POST", g, b, fields("big"), file(testPNG(t, 640, 640))), 400, 50046)
		// Lottie needs a VERIFIED or PARTNERED guild.
		wantErr(t, e.sendForm(t, "POST", g, b, fields("lottie"), upload{"file", "s.json", "application/json",
			[]byte(`{"v":"5","fr":30,"ip":0,"op":60,"layers":[]}`)}), 400, 50046)
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"description": "x"}), 400, 50035), "description")
	})

	t.Run("permissions", func(t *testing.T) {
		wantErr(t, e.call(t, "PATCH", g+"/"+id, m, map[string]any{"name": "stolen"}), 403, 50013)
		wantErr(t, e.call(t, "DELETE", g+"/"+id, m, nil), 403, 50013)
		want(t, e.call(t, "PATCH", g+"/"+str(mine, "id"), m, map[string]any{"name": "mine2"}), 200)
		outsider := e.register(t, "outsider")
		wantErr(t, e.call(t, "GET", g, outsider.Token, nil), 404, 10004)
	})

	t.Run("read", func(t *testing.T) {
		list := want(t, e.call(t, "GET", g, m, nil), 200).arr(t)
		if len(list) != 2 {
			t.Fatalf("list: %v", list)
		}
		want(t, e.call(t, "GET", g+"/"+id, m, nil), 200)
		got := want(t, e.call(t, "GET", "/stickers/"+id, m, nil), 200).obj(t)
		if got["name"] != "wave" {
			t.Fatalf("get sticker: %v", got)
		}
		wantErr(t, e.call(t, "GET", "/stickers/1", m, nil), 404, 10060)
		wantErr(t, e.call(t, "GET", g+"/1", m, nil), 404, 10060)
		packs := want(t, e.call(t, "GET", "/sticker-packs", b, nil), 200).obj(t)
		if l, _ := packs["sticker_packs"].([]any); l == nil || len(l) != 0 {
			t.Fatalf("packs: %v", packs)
		}
		wantErr(t, e.call(t, "GET", "/sticker-packs/847199849233514549", b, nil), 404, 10061)
		gg := want(t, e.call(t, "GET", "/guilds/"+w.guildID, b, nil), 200).obj(t)
		if l, _ := gg["stickers"].([]any); len(l) != 2 {
			t.Fatalf("guild stickers: %v", gg["stickers"])
		}
	})

	t.Run("limit", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			want(t, e.sendForm(t, "POST", g, b, fields("fill"+itoa(i)), file(testPNG(t, 4, 4))), 201)
		}
		wantErr(t, e.sendForm(t, "POST", g, b, fields("sixth"), file(testPNG(t, 4, 4))), 400, 30039)
	})

	t.Run("delete", func(t *testing.T) {
		want(t, e.call(t, "DELETE", g+"/"+id, o, nil), 204)
		wantErr(t, e.call(t, "DELETE", g+"/"+id, o, nil), 404, 10060)
	})
}

func TestApplicationEmojis(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, b := w.owner.Token, w.bot.Token
	base := "/applications/" + w.appID + "/emojis"
	img := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 32, 32))

	em := want(t, e.call(t, "POST", base, b, map[string]any{"name": "app_smile", "image": img}), 201).obj(t)
	id := str(em, "id")
	fieldErr(t, wantErr(t, e.call(t, "POST", base, b, map[string]any{"name": "app_smile", "image": img}), 400, 50035), "name")
	fieldErr(t, wantErr(t, e.call(t, "POST", base, b, map[string]any{"name": "bad name!", "image": img}), 400, 50035), "name")
	fieldErr(t, wantErr(t, e.call(t, "POST", base, b, map[string]any{"name": "noimage"}), 400, 50035), "image")
	// Only the application's own bot.
	wantErr(t, e.call(t, "GET", base, o, nil), 403, 50001)
	wantErr(t, e.call(t, "POST", base, o, map[string]any{"name": "owner_try", "image": img}), 403, 50001)
	list := want(t, e.call(t, "GET", base, b, nil), 200).obj(t)
	if items, _ := list["items"].([]any); len(items) != 1 {
		t.Fatalf("list: %v", list)
	}
	want(t, e.call(t, "GET", base+"/"+id, b, nil), 200)
	if got := want(t, e.call(t, "PATCH", base+"/"+id, b, map[string]any{"name": "renamed"}), 200).obj(t); got["name"] != "renamed" {
		t.Fatalf("patch: %v", got)
	}
	wantErr(t, e.call(t, "PATCH", base+"/"+id, o, map[string]any{"name": "x_x"}), 403, 50001)
	// The CDN serves application emojis like guild emojis.
	if st, _, body := e.download(t, e.base+"/emojis/"+id+".png"); st != 200 || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Fatalf("cdn: %d", st)
	}
	want(t, e.call(t, "DELETE", base+"/"+id, b, nil), 204)
	wantErr(t, e.call(t, "GET", base+"/"+id, b, nil), 404, 10014)
	wantErr(t, e.call(t, "DELETE", base+"/"+id, o, nil), 403, 50001)
}

func TestStageInstances(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m, b := w.owner.Token, w.member.Token, w.bot.Token
	stage := str(want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/channels", o, map[string]any{"name": "stage", "type": 13}), 201).obj(t), "id")
	start := "2099-01-01T00:00:00Z"
	ev := want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/scheduled-events", b, map[string]any{"name": "Talk", "privacy_level": 2,
		"entity_type": 1, "scheduled_start_time": start, "channel_id": stage}), 200).obj(t)

	fieldErr(t, wantErr(t, e.call(t, "POST", "/stage-instances", b, map[string]any{"channel_id": stage, "topic": ""}), 400, 50035), "topic")
	fieldErr(t, wantErr(t, e.call(t, "POST", "/stage-instances", b, map[string]any{"channel_id": stage}), 400, 50035), "topic")
	wantErr(t, e.call(t, "POST", "/stage-instances", b, map[string]any{"channel_id": w.channelID, "topic": "not a stage"}), 400, 50024)
	wantErr(t, e.call(t, "POST", "/stage-instances", m, map[string]any{"channel_id": stage, "topic": "member"}), 403, 50013)
	si := want(t, e.call(t, "POST", "/stage-instances", b, map[string]any{"channel_id": stage, "topic": "Live",
		"guild_scheduled_event_id": str(ev, "id")}), 200).obj(t)
	if si["privacy_level"].(float64) != 2 || str(si, "guild_scheduled_event_id") != str(ev, "id") {
		t.Fatalf("stage: %v", si)
	}
	wantErr(t, e.call(t, "POST", "/stage-instances", b, map[string]any{"channel_id": stage, "topic": "again"}), 400, 150006)
	got := want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/scheduled-events/"+str(ev, "id"), b, nil), 200).obj(t)
	if got["status"].(float64) != 2 || str(got, "entity_id") != str(si, "id") {
		t.Fatalf("event after stage start: %v", got)
	}
	want(t, e.call(t, "GET", "/stage-instances/"+stage, m, nil), 200)
	fieldErr(t, wantErr(t, e.call(t, "PATCH", "/stage-instances/"+stage, b, map[string]any{"privacy_level": 3}), 400, 50035), "privacy_level")
	wantErr(t, e.call(t, "PATCH", "/stage-instances/"+stage, m, map[string]any{"topic": "x"}), 403, 50013)
	if up := want(t, e.call(t, "PATCH", "/stage-instances/"+stage, b, map[string]any{"topic": "Still live"}), 200).obj(t); up["topic"] != "Still live" {
		t.Fatalf("patch: %v", up)
	}
	wantErr(t, e.call(t, "DELETE", "/stage-instances/"+stage, m, nil), 403, 50013)
	want(t, e.call(t, "DELETE", "/stage-instances/"+stage, b, nil), 204)
	wantErr(t, e.call(t, "GET", "/stage-instances/"+stage, m, nil), 404, 10067)
	got = want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/scheduled-events/"+str(ev, "id"), b, nil), 200).obj(t)
	if got["status"].(float64) != 3 {
		t.Fatalf("event after stage end: %v", got)
	}
}

func TestSoundboard(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m, b := w.owner.Token, w.member.Token, w.bot.Token
	g := "/guilds/" + w.guildID + "/soundboard-sounds"
	mp3 := "data:audio/mpeg;base64," + base64.StdEncoding.EncodeToString([]byte("ID3\x04\x00\x00\x00\x00\x00\x00 not really audio"))
	ogg := "data:audio/ogg;base64," + base64.StdEncoding.EncodeToString([]byte("OggS\x00\x02 page"))

	defs := want(t, e.call(t, "GET", "/soundboard-default-sounds", b, nil), 200).arr(t)
	if len(defs) == 0 {
		t.Fatal("no default sounds")
	}
	snd := want(t, e.call(t, "POST", g, b, map[string]any{"name": "honk", "sound": mp3, "volume": 0.5, "emoji_name": "🦆"}), 201).obj(t)
	id := str(snd, "sound_id")
	mine := want(t, e.call(t, "POST", g, m, map[string]any{"name": "mine", "sound": ogg}), 201).obj(t)
	if mine["volume"].(float64) != 1 {
		t.Fatalf("default volume: %v", mine)
	}
	fieldErr(t, wantErr(t, e.call(t, "POST", g, b, map[string]any{"name": "x", "sound": mp3}), 400, 50035), "name")
	fieldErr(t, wantErr(t, e.call(t, "POST", g, b, map[string]any{"name": "wav", "sound": "data:audio/wav;base64,UklGRg=="}), 400, 50035), "sound")
	fieldErr(t, wantErr(t, e.call(t, "POST", g, b, map[string]any{"name": "loud", "sound": mp3, "volume": 2}), 400, 50035), "volume")
	fieldErr(t, wantErr(t, e.call(t, "POST", g, b, map[string]any{"name": "nosound"}), 400, 50035), "sound")
	wantErr(t, e.call(t, "PATCH", g+"/"+id, m, map[string]any{"name": "stolen"}), 403, 50013)
	wantErr(t, e.call(t, "DELETE", g+"/"+id, m, nil), 403, 50013)
	outsider := e.register(t, "outsider")
	wantErr(t, e.call(t, "GET", g, outsider.Token, nil), 404, 10004)

	list := want(t, e.call(t, "GET", g, m, nil), 200).obj(t)
	if items, _ := list["items"].([]any); len(items) != 2 {
		t.Fatalf("list: %v", list)
	}
	want(t, e.call(t, "GET", g+"/"+id, m, nil), 200)
	wantErr(t, e.call(t, "GET", g+"/1", m, nil), 404, 10097)
	if up := want(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"volume": 0.25}), 200).obj(t); up["volume"].(float64) != 0.25 {
		t.Fatalf("patch: %v", up)
	}
	if st, hdr, body := e.download(t, e.base+"/soundboard-sounds/"+id); st != 200 || hdr.Get("Content-Type") != "audio/mpeg" || !bytes.HasPrefix(body, []byte("ID3")) {
		t.Fatalf("cdn sound: %d %q", st, hdr.Get("Content-Type"))
	}

	voice := str(want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/channels", o, map[string]any{"name": "voice", "type": 2}), 201).obj(t), "id")
	wantErr(t, e.call(t, "POST", "/channels/"+voice+"/send-soundboard-sound", b, map[string]any{"sound_id": id}), 400, 40032)
	wantErr(t, e.call(t, "POST", "/channels/"+voice+"/send-soundboard-sound", b, map[string]any{"sound_id": "1"}), 400, 40032)
	wantErr(t, e.call(t, "POST", "/channels/"+voice+"/send-soundboard-sound", b, map[string]any{"sound_id": "99"}), 404, 10097)
	wantErr(t, e.call(t, "POST", "/channels/"+w.channelID+"/send-soundboard-sound", b, map[string]any{"sound_id": id}), 400, 50024)
	want(t, e.call(t, "PUT", "/channels/"+voice+"/permissions/"+w.member.ID, o, map[string]any{"type": 1, "deny": "4398046511104"}), 204)
	wantErr(t, e.call(t, "POST", "/channels/"+voice+"/send-soundboard-sound", m, map[string]any{"sound_id": id}), 403, 50013)
	fieldErr(t, wantErr(t, e.call(t, "POST", "/channels/"+voice+"/send-soundboard-sound", b, map[string]any{}), 400, 50035), "sound_id")

	want(t, e.call(t, "DELETE", g+"/"+id, o, nil), 204)
	wantErr(t, e.call(t, "DELETE", g+"/"+id, o, nil), 404, 10097)
}
