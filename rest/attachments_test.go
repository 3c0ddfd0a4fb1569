package rest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// upload is one file part of a multipart request.
type upload struct {
	field, filename, contentType string
	data                         []byte
}

// send makes a multipart/form-data request the way bot libraries do: a payload_json field
// (omitted when payload is nil) and one part per file.
func (e *env) send(t testing.TB, method, path, token string, payload any, files ...upload) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if payload != nil {
		raw, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="payload_json"`)
		h.Set("Content-Type", "application/json")
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(raw)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.filename))
		if f.contentType != "" {
			h.Set("Content-Type", f.contentType)
		}
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

// download fetches an attachment URL without authentication, as a browser or library would.
func (e *env) download(t testing.TB, url string) (int, http.Header, []byte) {
	t.Helper()
	res, err := e.client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// testPNG is a w×h PNG.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.NRGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func attachmentsOf(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["attachments"].([]any)
	if !ok {
		t.Fatalf("message has no attachments array: %v", m)
	}
	out := make([]map[string]any, len(raw))
	for i, a := range raw {
		out[i] = a.(map[string]any)
	}
	return out
}

func num(m map[string]any, k string) int {
	f, _ := m[k].(float64)
	return int(f)
}

func TestAttachmentLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	msgs := "/channels/" + w.channelID + "/messages"
	pic := testPNG(t, 3, 2)
	notes := []byte("line one\nline two\n")

	// Two files, described by index (as a number and as a string), and no content.
	m := want(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{
		"content": "",
		"attachments": []any{
			map[string]any{"id": 0, "description": "a tiny picture"},
			map[string]any{"id": "1", "filename": "my notes.txt"},
		},
	}, upload{"files[0]", "pixel.png", "image/png", pic}, upload{"files[1]", "notes.txt", "application/octet-stream", notes}), 200).obj(t)
	as := attachmentsOf(t, m)
	if len(as) != 2 {
		t.Fatalf("attachments: %v", as)
	}
	png0, txt := as[0], as[1]
	tests := []struct {
		name                string
		got                 map[string]any
		filename, ctype     string
		size, width, height int
		description         string
		data                []byte
		disposition         string
	}{
		{"png", png0, "pixel.png", "image/png", len(pic), 3, 2, "a tiny picture", pic, "inline"},
		{"text", txt, "my_notes.txt", "text/plain; charset=utf-8", len(notes), 0, 0, "", notes, "attachment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.got
			if str(a, "id") == "" || str(a, "filename") != tc.filename || str(a, "content_type") != tc.ctype || num(a, "size") != tc.size {
				t.Fatalf("attachment %v; want filename %q, content_type %q, size %d", a, tc.filename, tc.ctype, tc.size)
			}
			if num(a, "width") != tc.width || num(a, "height") != tc.height {
				t.Fatalf("dimensions %v×%v, want %d×%d", a["width"], a["height"], tc.width, tc.height)
			}
			if tc.width == 0 && (a["width"] != nil || a["height"] != nil) {
				t.Fatalf("non-image has dimensions: %v", a)
			}
			if str(a, "description") != tc.description {
				t.Fatalf("description %q, want %q", str(a, "description"), tc.description)
			}
			wantURL := e.base + "/attachments/" + w.channelID + "/" + str(a, "id") + "/" + tc.filename
			if str(a, "url") != wantURL || str(a, "proxy_url") != wantURL {
				t.Fatalf("url %q proxy_url %q, want %q", str(a, "url"), str(a, "proxy_url"), wantURL)
			}
			status, hdr, body := e.download(t, str(a, "url"))
			if status != 200 || !bytes.Equal(body, tc.data) {
				t.Fatalf("download: %d, %d bytes (want %d)", status, len(body), len(tc.data))
			}
			if hdr.Get("Content-Type") != tc.ctype || !strings.HasPrefix(hdr.Get("Content-Disposition"), tc.disposition) ||
				hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("download headers: %v", hdr)
			}
		})
	}
	if str(png0, "id") == str(txt, "id") {
		t.Fatal("attachments share an id")
	}

	// Reads show the same attachments.
	got := want(t, e.call(t, "GET", msgs+"/"+str(m, "id"), w.bot.Token, nil), 200).obj(t)
	if a := attachmentsOf(t, got); len(a) != 2 || str(a[0], "id") != str(png0, "id") || str(a[1], "url") != str(txt, "url") {
		t.Fatalf("GET message attachments: %v", a)
	}

	// Edit: keep the picture, drop the notes, add a file; multipart with the keep-list.
	extra := []byte("%PDF-1.4 not really")
	ed := want(t, e.send(t, "PATCH", msgs+"/"+str(m, "id"), w.bot.Token, map[string]any{
		"content":     "edited",
		"attachments": []any{map[string]any{"id": str(png0, "id")}, map[string]any{"id": 0}},
	}, upload{"files[0]", "doc.pdf", "", extra}), 200).obj(t)
	ea := attachmentsOf(t, ed)
	if len(ea) != 2 || str(ea[0], "id") != str(png0, "id") || str(ea[1], "filename") != "doc.pdf" || str(ea[1], "content_type") != "application/pdf" {
		t.Fatalf("edited attachments: %v", ea)
	}
	if status, _, _ := e.download(t, str(txt, "url")); status != 404 {
		t.Fatalf("dropped attachment download: %d, want 404", status)
	}
	if status, _, body := e.download(t, str(ea[1], "url")); status != 200 || !bytes.Equal(body, extra) {
		t.Fatalf("added attachment download: %d %q", status, body)
	}
	// A JSON edit without attachments keeps them.
	ed = want(t, e.call(t, "PATCH", msgs+"/"+str(m, "id"), w.bot.Token, map[string]any{"content": "again"}), 200).obj(t)
	if len(attachmentsOf(t, ed)) != 2 {
		t.Fatalf("JSON edit dropped attachments: %v", ed["attachments"])
	}

	// Deleting the message deletes its files.
	want(t, e.call(t, "DELETE", msgs+"/"+str(m, "id"), w.bot.Token, nil), 204)
	for _, u := range []string{str(png0, "url"), str(ea[1], "url")} {
		if status, _, _ := e.download(t, u); status != 404 {
			t.Fatalf("download after delete: %d, want 404", status)
		}
	}
}

func TestAttachmentUploadForms(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	msgs := "/channels/" + w.channelID + "/messages"
	tests := []struct {
		name      string
		payload   any
		files     []upload
		filenames []string
	}{
		{"discord.py files[0] without metadata", map[string]any{"content": "hi"},
			[]upload{{"files[0]", "a.txt", "text/plain", []byte("a")}}, []string{"a.txt"}},
		{"legacy file", map[string]any{"content": "hi"},
			[]upload{{"file", "b.bin", "", []byte{0, 1, 2}}}, []string{"b.bin"}},
		{"legacy fileN, in index order", nil,
			[]upload{{"file1", "second.txt", "", []byte("2")}, {"file0", "first.txt", "", []byte("1")}}, []string{"first.txt", "second.txt"}},
		{"path and spaces in the name", map[string]any{},
			[]upload{{"files[0]", `C:\Users\me\my photo.txt`, "", []byte("x")}}, []string{"my_photo.txt"}},
		{"ten files", map[string]any{}, func() []upload {
			var us []upload
			for i := range 10 {
				us = append(us, upload{fmt.Sprintf("files[%d]", i), fmt.Sprintf("f%d.txt", i), "", []byte{byte('a' + i)}})
			}
			return us
		}(), []string{"f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt", "f6.txt", "f7.txt", "f8.txt", "f9.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := want(t, e.send(t, "POST", msgs, w.bot.Token, tc.payload, tc.files...), 200).obj(t)
			as := attachmentsOf(t, m)
			var names []string
			for _, a := range as {
				names = append(names, str(a, "filename"))
			}
			if strings.Join(names, ",") != strings.Join(tc.filenames, ",") {
				t.Fatalf("filenames %v, want %v", names, tc.filenames)
			}
		})
	}
}

func TestAttachmentErrors(t *testing.T) {
	e := newEnv(t, nil) // the whole-body limit (413 40005 too) is tested in errors_test.go
	w := e.newWorld(t)
	msgs := "/channels/" + w.channelID + "/messages"
	small := upload{"files[0]", "a.txt", "", []byte("a")}

	var eleven []upload
	for i := range 11 {
		eleven = append(eleven, upload{fmt.Sprintf("files[%d]", i), "f.txt", "", []byte("x")})
	}
	fe := fieldErr(t, wantErr(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{}, eleven...), 400, 50035), "attachments")
	if str(fe, "code") != "BASE_TYPE_MAX_LENGTH" {
		t.Fatalf("11 files: %v", fe)
	}

	tooBig := upload{"files[0]", "big.bin", "", make([]byte, 10<<20+1)}
	wantErr(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{}, tooBig), 413, 40005)
	justRight := upload{"files[0]", "big.bin", "", make([]byte, 10<<20)}
	want(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{}, justRight), 200)

	// Metadata for a file that was not uploaded.
	fieldErr(t, wantErr(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{"attachments": []any{map[string]any{"id": 3}}}, small), 400, 50035), "attachments.0.id")
	// Still no empty messages.
	wantErr(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{"content": " "}), 400, 50006)

	// ATTACH_FILES denied in the channel: text still goes through, files do not.
	want(t, e.call(t, "PUT", "/channels/"+w.channelID+"/permissions/"+w.guildID, w.owner.Token,
		map[string]any{"type": 0, "deny": "32768"}), 204)
	wantErr(t, e.send(t, "POST", msgs, w.member.Token, map[string]any{"content": "with file"}, small), 403, 50013)
	m := want(t, e.send(t, "POST", msgs, w.member.Token, map[string]any{"content": "text only"}), 200).obj(t)
	wantErr(t, e.send(t, "PATCH", msgs+"/"+str(m, "id"), w.member.Token, map[string]any{}, small), 403, 50013)

	// Someone else's message: attachments are the author's to change.
	bm := want(t, e.send(t, "POST", msgs, w.bot.Token, map[string]any{}, small), 200).obj(t)
	wantErr(t, e.call(t, "PATCH", msgs+"/"+str(bm, "id"), w.owner.Token, map[string]any{"attachments": []any{}}), 403, 50005)

	// The CDN route: unknown IDs, a wrong filename and garbage all 404.
	u := str(attachmentsOf(t, bm)[0], "url")
	for _, bad := range []string{
		strings.TrimSuffix(u, "a.txt") + "b.txt",
		e.base + "/attachments/" + w.channelID + "/123456789012345678/a.txt",
		e.base + "/attachments/1/" + str(attachmentsOf(t, bm)[0], "id") + "/a.txt",
		e.base + "/attachments/x/y/a.txt",
	} {
		if status, _, _ := e.download(t, bad); status != 404 {
			t.Fatalf("GET %s: %d, want 404", bad, status)
		}
	}
	if status, _, _ := e.download(t, u); status != 200 {
		t.Fatalf("GET %s: %d", u, status)
	}
	head, err := e.client.Head(u)
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != 200 || head.ContentLength != 1 {
		t.Fatalf("HEAD %s: %d, length %d", u, head.StatusCode, head.ContentLength)
	}
}

func TestAttachmentRemoveAllAndContentIntent(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	msgs := "/channels/" + w.channelID + "/messages"
	m := want(t, e.send(t, "POST", msgs, w.member.Token, map[string]any{"content": "see file"},
		upload{"files[0]", "a.txt", "", []byte("a")}), 200).obj(t)

	// A bot without MESSAGE_CONTENT sees neither content nor attachments of others' messages.
	seen := want(t, e.call(t, "GET", msgs+"/"+str(m, "id"), w.bot.Token, nil), 200).obj(t)
	if len(attachmentsOf(t, seen)) != 0 || str(seen, "content") != "" {
		t.Fatalf("bot without the intent sees %v", seen)
	}

	// An empty keep-list removes every attachment; an attachment-only message cannot.
	ed := want(t, e.call(t, "PATCH", msgs+"/"+str(m, "id"), w.member.Token, map[string]any{"attachments": []any{}}), 200).obj(t)
	if len(attachmentsOf(t, ed)) != 0 {
		t.Fatalf("attachments after removing all: %v", ed["attachments"])
	}
	if status, _, _ := e.download(t, str(attachmentsOf(t, m)[0], "url")); status != 404 {
		t.Fatalf("removed attachment: %d, want 404", status)
	}
	only := want(t, e.send(t, "POST", msgs, w.member.Token, nil, upload{"files[0]", "b.txt", "", []byte("b")}), 200).obj(t)
	wantErr(t, e.call(t, "PATCH", msgs+"/"+str(only, "id"), w.member.Token, map[string]any{"attachments": []any{}}), 400, 50006)

	// Deleting the channel deletes its files.
	u := str(attachmentsOf(t, only)[0], "url")
	want(t, e.call(t, "DELETE", "/channels/"+w.channelID, w.owner.Token, nil), 200)
	if status, _, _ := e.download(t, u); status != 404 {
		t.Fatalf("file of a deleted channel: %d, want 404", status)
	}
}

func TestWebhookExecuteWithFile(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	wh := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/webhooks", w.owner.Token, map[string]any{"name": "hook"}), 200).obj(t)
	path := "/webhooks/" + str(wh, "id") + "/" + str(wh, "token")
	pic := testPNG(t, 4, 5)
	m := want(t, e.send(t, "POST", path+"?wait=true", "", map[string]any{"username": "Hooky",
		"attachments": []any{map[string]any{"id": 0, "description": "chart"}}},
		upload{"files[0]", "chart.png", "image/png", pic}), 200).obj(t)
	as := attachmentsOf(t, m)
	if str(m, "webhook_id") != str(wh, "id") || len(as) != 1 || num(as[0], "width") != 4 || num(as[0], "height") != 5 ||
		str(as[0], "description") != "chart" {
		t.Fatalf("webhook message: %v", m)
	}
	if status, _, body := e.download(t, str(as[0], "url")); status != 200 || !bytes.Equal(body, pic) {
		t.Fatalf("download: %d", status)
	}
	// Without wait the upload still lands.
	want(t, e.send(t, "POST", path, "", nil, upload{"file", "x.txt", "", []byte("x")}), 204)
	list := want(t, e.call(t, "GET", "/channels/"+w.channelID+"/messages?limit=1", w.owner.Token, nil), 200).arr(t)
	if as := attachmentsOf(t, list[0].(map[string]any)); len(as) != 1 || str(as[0], "filename") != "x.txt" {
		t.Fatalf("latest message: %v", list[0])
	}
}
