package guilds_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// attachFixture is newFixture with a CDN prefix (trailing slash on purpose) and a small
// per-file limit.
func attachFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixture(t, func(c *guilds.Config) {
		c.CDNURL = "https://cdn.example/"
		c.MaxAttachmentSize = 1024
	})
}

func encodeImage(t *testing.T, kind string, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), []color.Color{color.Black, color.White})
	var b bytes.Buffer
	var err error
	switch kind {
	case "png":
		err = png.Encode(&b, img)
	case "gif":
		err = gif.Encode(&b, img, nil)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func ptrStr(s string) *string { return &s }

func TestAttachmentShapes(t *testing.T) {
	f := attachFixture(t)
	tests := []struct {
		name, filename, declared string
		data                     []byte
		wantName, wantType       string
		width, height            int
	}{
		{"png declared", "a.png", "image/png", encodeImage(t, "png", 7, 3), "a.png", "image/png", 7, 3},
		{"gif sniffed", "b.gif", "", encodeImage(t, "gif", 2, 9), "b.gif", "image/gif", 2, 9},
		{"jpeg behind octet-stream", "c.jpg", "application/octet-stream", encodeImage(t, "jpeg", 5, 5), "c.jpg", "image/jpeg", 5, 5},
		{"text sniffed", "notes.txt", "", []byte("hello"), "notes.txt", "text/plain; charset=utf-8", 0, 0},
		{"binary by extension", "data.json", "", []byte{0, 1, 2, 3}, "data.json", "application/json", 0, 0},
		{"unknown binary", "blob", "", []byte{0, 1, 2, 3}, "blob", "application/octet-stream", 0, 0},
		{"declared type kept", "x.csv", "text/csv", []byte("a,b"), "x.csv", "text/csv", 0, 0},
		{"path stripped, spaces", "../../etc/my file.txt", "", []byte("x"), "my_file.txt", "text/plain; charset=utf-8", 0, 0},
		{"windows path", `C:\tmp\evil.txt`, "", []byte("x"), "evil.txt", "text/plain; charset=utf-8", 0, 0},
		{"empty name", "", "", []byte("x"), "unknown", "text/plain; charset=utf-8", 0, 0},
		{"empty file", "zero.txt", "", []byte{}, "zero.txt", "text/plain; charset=utf-8", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{
				Files: []guilds.File{{Index: 0, Name: tc.filename, ContentType: tc.declared, Data: tc.data}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("attachments = %+v", m.Attachments)
			}
			a := m.Attachments[0]
			if a.Filename != tc.wantName || a.ContentType == nil || *a.ContentType != tc.wantType || a.Size != len(tc.data) {
				t.Fatalf("attachment = %+v (type %v), want %q %q size %d", a, deref(a.ContentType), tc.wantName, tc.wantType, len(tc.data))
			}
			if tc.width == 0 && (a.Width != nil || a.Height != nil) || tc.width != 0 && (a.Width == nil || *a.Width != tc.width || *a.Height != tc.height) {
				t.Fatalf("dimensions = %v×%v, want %d×%d", deref(a.Width), deref(a.Height), tc.width, tc.height)
			}
			want := "https://cdn.example/attachments/" + f.chID.String() + "/" + a.ID.String() + "/" + a.Filename
			if a.URL != want || a.ProxyURL != want {
				t.Fatalf("url = %q, proxy_url = %q, want %q", a.URL, a.ProxyURL, want)
			}
			file, err := f.svc.Attachment(f.ctx, f.chID, a.ID, a.Filename)
			if err != nil || !bytes.Equal(file.Data, tc.data) || file.ContentType != tc.wantType {
				t.Fatalf("Attachment = %+v, %v", file, err)
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestAttachmentValidation(t *testing.T) {
	f := attachFixture(t)
	file := func(i int) guilds.File { return guilds.File{Index: i, Name: "f.txt", Data: []byte("x")} }
	files := func(n int) []guilds.File {
		out := make([]guilds.File, n)
		for i := range out {
			out[i] = file(i)
		}
		return out
	}
	tests := []struct {
		name    string
		p       guilds.MessageParams
		field   string // validation error field, or
		err     error  // a sentinel
		wantLen int    // attachments on success
	}{
		{"ten files", guilds.MessageParams{Files: files(10)}, "", nil, 10},
		{"eleven files", guilds.MessageParams{Files: files(11)}, "attachments", nil, 0},
		{"at the size limit", guilds.MessageParams{Files: []guilds.File{{Name: "a", Data: make([]byte, 1024)}}}, "", nil, 1},
		{"over the size limit", guilds.MessageParams{Files: []guilds.File{{Name: "a", Data: make([]byte, 1025)}}}, "", guilds.ErrFileTooLarge, 0},
		{"metadata without a file", guilds.MessageParams{Content: "x", Attachments: []guilds.AttachmentParams{{ID: 0}}}, "attachments.0.id", nil, 0},
		{"metadata for another index", guilds.MessageParams{Files: files(1), Attachments: []guilds.AttachmentParams{{ID: 1}}}, "attachments.0.id", nil, 0},
		{"description too long", guilds.MessageParams{Files: files(1), Attachments: []guilds.AttachmentParams{{ID: 0, Description: ptrStr(strings.Repeat("d", 1025))}}}, "attachments.0.description", nil, 0},
		{"filename too long", guilds.MessageParams{Files: files(1), Attachments: []guilds.AttachmentParams{{ID: 0, Filename: ptrStr(strings.Repeat("n", 1025))}}}, "attachments.0.filename", nil, 0},
		{"upload name too long", guilds.MessageParams{Files: []guilds.File{{Name: strings.Repeat("n", 1025), Data: []byte("x")}}}, "files[0]", nil, 0},
		{"duplicate index", guilds.MessageParams{Files: []guilds.File{file(0), file(0)}}, "files", nil, 0},
		{"empty without files", guilds.MessageParams{}, "", guilds.ErrEmptyMessage, 0},
		{"sparse indexes", guilds.MessageParams{Files: []guilds.File{file(2), file(7)}, Attachments: []guilds.AttachmentParams{{ID: 7, Filename: ptrStr("seven.txt")}}}, "", nil, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, tc.p)
			switch {
			case tc.field != "":
				wantValidation(t, err, tc.field)
			case tc.err != nil:
				wantErr(t, err, tc.err)
			case err != nil:
				t.Fatal(err)
			case len(m.Attachments) != tc.wantLen:
				t.Fatalf("attachments = %d, want %d", len(m.Attachments), tc.wantLen)
			}
		})
	}
	m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Files: []guilds.File{file(2), file(7)},
		Attachments: []guilds.AttachmentParams{{ID: 7, Filename: ptrStr("seven.txt"), Description: ptrStr("the 7th")}}})
	if err != nil || m.Attachments[0].Filename != "f.txt" || m.Attachments[1].Filename != "seven.txt" ||
		deref(m.Attachments[1].Description) != "the 7th" || m.Attachments[0].Description != nil {
		t.Fatalf("metadata by index = %+v, %v", m.Attachments, err)
	}
}

func TestAttachFilesPermission(t *testing.T) {
	f := attachFixture(t)
	noAttach := opcodes.PermViewChannel | opcodes.PermSendMessages | opcodes.PermReadMessageHistory
	bot, _ := f.bot("noattach", noAttach)
	withAttach, _ := f.bot("attach", noAttach|opcodes.PermAttachFiles)
	// @everyone grants ATTACH_FILES by default; take it from the first bot in this channel.
	member, deny := 1, opcodes.PermAttachFiles
	if err := f.svc.EditOverwrite(f.ctx, f.owner, f.chID, guilds.OverwriteParams{ID: bot, Type: &member, Deny: &deny}); err != nil {
		t.Fatal(err)
	}
	p := guilds.MessageParams{Content: "file", Files: []guilds.File{{Name: "a.txt", Data: []byte("a")}}}
	_, err := f.svc.CreateMessage(f.ctx, bot, f.chID, p)
	wantErr(t, err, guilds.ErrMissingPermissions)
	if _, err := f.svc.CreateMessage(f.ctx, withAttach, f.chID, p); err != nil {
		t.Fatalf("with ATTACH_FILES: %v", err)
	}
	m, err := f.svc.CreateMessage(f.ctx, bot, f.chID, guilds.MessageParams{Content: "text"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.EditMessage(f.ctx, bot, f.chID, m.ID, guilds.EditMessageParams{Files: p.Files})
	wantErr(t, err, guilds.ErrMissingPermissions)
}

func TestAttachmentEditAndCascades(t *testing.T) {
	f := attachFixture(t)
	upload := func(names ...string) opcodes.Message {
		t.Helper()
		var fs []guilds.File
		for i, n := range names {
			fs = append(fs, guilds.File{Index: i, Name: n, Data: []byte(n)})
		}
		m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Files: fs})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	exists := func(a opcodes.Attachment) bool {
		t.Helper()
		_, err := f.svc.Attachment(f.ctx, f.chID, a.ID, a.Filename)
		if err != nil && err != guilds.ErrUnknownAttachment {
			t.Fatal(err)
		}
		return err == nil
	}

	m := upload("a.txt", "b.txt")
	a, b := m.Attachments[0], m.Attachments[1]
	if _, err := f.svc.Attachment(f.ctx, f.chID, a.ID, "b.txt"); err != guilds.ErrUnknownAttachment {
		t.Fatalf("wrong filename: %v", err)
	}
	if _, err := f.svc.Attachment(f.ctx, 12345, a.ID, a.Filename); err != guilds.ErrUnknownAttachment {
		t.Fatalf("wrong channel: %v", err)
	}

	// Keep a, drop b, add c (index 0 of this request).
	ed, err := f.svc.EditMessage(f.ctx, f.owner, f.chID, m.ID, guilds.EditMessageParams{
		Attachments: &[]guilds.AttachmentParams{{ID: a.ID}, {ID: 0, Description: ptrStr("new")}},
		Files:       []guilds.File{{Index: 0, Name: "c.txt", Data: []byte("c")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ed.Attachments) != 2 || ed.Attachments[0].ID != a.ID || ed.Attachments[1].Filename != "c.txt" || deref(ed.Attachments[1].Description) != "new" {
		t.Fatalf("edited attachments = %+v", ed.Attachments)
	}
	c := ed.Attachments[1]
	if !exists(a) || exists(b) || !exists(c) {
		t.Fatalf("after edit: a %v, b %v, c %v; want true, false, true", exists(a), exists(b), exists(c))
	}
	evs := f.rec.named(opcodes.EventMessageUpdate)
	if d := eventData[opcodes.Message](t, evs[len(evs)-1]); len(d.Attachments) != 2 || d.Attachments[1].URL != c.URL {
		t.Fatalf("MESSAGE_UPDATE attachments = %+v", d.Attachments)
	}
	// Nil keeps everything; new files are appended.
	ed, err = f.svc.EditMessage(f.ctx, f.owner, f.chID, m.ID, guilds.EditMessageParams{Files: []guilds.File{{Name: "d.txt", Data: []byte("d")}}})
	if err != nil || len(ed.Attachments) != 3 {
		t.Fatalf("append = %+v, %v", ed.Attachments, err)
	}
	// Keeping 10 and adding one is too many.
	var many []guilds.File
	for i := range 8 {
		many = append(many, guilds.File{Index: i, Name: "m.txt", Data: []byte("m")})
	}
	_, err = f.svc.EditMessage(f.ctx, f.owner, f.chID, m.ID, guilds.EditMessageParams{Files: many})
	wantValidation(t, err, "attachments")

	// Message delete, bulk delete, channel delete and guild delete take the files along.
	d := ed.Attachments[2]
	if err := f.svc.DeleteMessage(f.ctx, f.owner, f.chID, m.ID); err != nil {
		t.Fatal(err)
	}
	if exists(a) || exists(c) || exists(d) {
		t.Fatal("files of a deleted message still served")
	}
	m1, m2 := upload("x.txt"), upload("y.txt")
	if err := f.svc.BulkDelete(f.ctx, f.owner, f.chID, []snowflake.ID{m1.ID, m2.ID}); err != nil {
		t.Fatal(err)
	}
	if exists(m1.Attachments[0]) || exists(m2.Attachments[0]) {
		t.Fatal("files of bulk-deleted messages still served")
	}
	m3 := upload("z.txt")
	if err := f.svc.DeleteGuild(f.ctx, f.owner, f.guild.ID); err != nil {
		t.Fatal(err)
	}
	if exists(m3.Attachments[0]) {
		t.Fatal("file of a deleted guild still served")
	}
}

func TestAttachmentRelativeURLs(t *testing.T) {
	f := newFixture(t) // no CDNURL
	m, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Files: []guilds.File{{Name: "a b.txt", Data: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/attachments/" + f.chID.String() + "/" + m.Attachments[0].ID.String() + "/a_b.txt"; m.Attachments[0].URL != want {
		t.Fatalf("url = %q, want %q", m.Attachments[0].URL, want)
	}
	evs := f.rec.named(opcodes.EventMessageCreate)
	if d := eventData[opcodes.Message](t, evs[len(evs)-1]); len(d.Attachments) != 1 || d.Attachments[0].URL != m.Attachments[0].URL {
		t.Fatalf("MESSAGE_CREATE attachments = %+v", d.Attachments)
	}
}
