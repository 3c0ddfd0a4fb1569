package rest_test

import (
	"bytes"
	"encoding/base64"
	"image"
	_ "image/jpeg"
	"image/png"
	"testing"
	"time"
)

// TestCDN fetches every stored image kind at Discord's CDN paths, with size and conversion.
func TestCDN(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, b := w.owner.Token, w.bot.Token
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 64, 32))

	get := func(path string, status int) ([]byte, string) {
		t.Helper()
		st, hdr, body := e.download(t, e.base+path)
		if st != status {
			t.Fatalf("GET %s: %d, want %d (%s)", path, st, status, body)
		}
		if st == 200 && hdr.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("GET %s: Cache-Control %q", path, hdr.Get("Cache-Control"))
		}
		return body, hdr.Get("Content-Type")
	}
	dims := func(body []byte) (int, int) {
		t.Helper()
		cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		return cfg.Width, cfg.Height
	}

	me := want(t, e.call(t, "PATCH", "/users/@me", o, map[string]any{"avatar": uri}), 200).obj(t)
	avatar := "/avatars/" + w.owner.ID + "/" + str(me, "avatar")
	if body, ct := get(avatar+".png", 200); ct != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Fatalf("avatar: %q", ct)
	}
	body, _ := get(avatar+".png?size=16", 200)
	if w, h := dims(body); w != 16 || h != 8 {
		t.Fatalf("size=16: %dx%d", w, h)
	}
	if body, ct := get(avatar+".jpg?size=32", 200); ct != "image/jpeg" || !bytes.HasPrefix(body, []byte{0xFF, 0xD8}) {
		t.Fatalf("jpg: %q", ct)
	}
	if _, ct := get(avatar+".gif", 200); ct != "image/gif" {
		t.Fatalf("gif: %q", ct)
	}
	// WebP cannot be produced by the standard library: the stored format is served.
	if _, ct := get(avatar+".webp", 200); ct != "image/png" {
		t.Fatalf("webp: %q", ct)
	}
	get(avatar+".png?size=15", 400)
	get(avatar+".png?size=8192", 400)
	get(avatar+".png?size=x", 400)
	get(avatar+".bmp", 400)
	get("/avatars/"+w.owner.ID+"/0123.png", 404)
	get("/avatars/"+w.member.ID+"/"+str(me, "avatar")+".png", 404)

	gg := want(t, e.call(t, "PATCH", "/guilds/"+w.guildID, o, map[string]any{"icon": uri}), 200).obj(t)
	get("/icons/"+w.guildID+"/"+str(gg, "icon")+".png?size=64", 200)

	ev := want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/scheduled-events", b, map[string]any{"name": "Cover", "privacy_level": 2,
		"entity_type": 3, "scheduled_start_time": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"scheduled_end_time": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339),
		"entity_metadata":    map[string]any{"location": "x"}, "image": uri}), 200).obj(t)
	get("/guild-events/"+str(ev, "id")+"/"+str(ev, "image")+".png", 200)

	em := want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/emojis", b, map[string]any{"name": "cdn", "image": uri}), 201).obj(t)
	body, _ = get("/emojis/"+str(em, "id")+".png?size=32", 200)
	if w, _ := dims(body); w != 32 {
		t.Fatalf("emoji size: %d", w)
	}
	get("/emojis/1.png", 404)
	get("/emojis/x.png", 404)

	st := want(t, e.sendForm(t, "POST", "/guilds/"+w.guildID+"/stickers", b, map[string]string{"name": "cdn", "tags": "x"},
		upload{"file", "s.png", "image/png", testPNG(t, 160, 160)}), 201).obj(t)
	body, _ = get("/stickers/"+str(st, "id")+".png", 200)
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Fatalf("sticker: %v", err)
	}
	get("/stickers/"+str(st, "id")+".json", 400)
	get("/soundboard-sounds/1", 404)

	wh := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/webhooks", b, map[string]any{"name": "hook", "avatar": uri}), 200).obj(t)
	get("/avatars/"+str(wh, "id")+"/"+str(wh, "avatar")+".png", 200)
}
