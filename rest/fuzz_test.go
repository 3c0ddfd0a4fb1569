package rest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/parley-chat/parley/guilds"
)

// FuzzInteractionBody: any POST /interactions or callback body decodes into the interaction
// params (every type's data: options, target, component values, modal components, choices)
// or yields Discord's 50109 / 50035 answer; never a panic.
func FuzzInteractionBody(f *testing.F) {
	for _, s := range []string{
		`{"type":2,"application_id":"1","channel_id":"2","nonce":"n","data":{"id":"3","name":"echo","type":1,"options":[{"name":"text","type":3,"value":"hi"}]}}`,
		`{"type":4,"data":{"options":[{"name":"t","type":1,"options":[{"name":"x","type":3,"value":"h","focused":true}]}]}}`,
		`{"type":3,"message_id":"1","data":{"custom_id":"go","component_type":2,"values":["a"]}}`,
		`{"type":5,"data":{"id":"1","custom_id":"form","components":[{"type":1,"components":[{"type":4,"custom_id":"x","value":"y"}]}]}}`,
		`{"type":2,"data":{"type":2,"target_id":"5","attachments":[{"id":"0"}]}}`,
		`{"type":8,"data":{"choices":[{"name":"a","value":1}]}}`, `{"type":9,"data":{"custom_id":"m","title":"t","components":[]}}`,
		`{"type":"2"}`, `{"data":[]}`, `{"type":2,"data":{"options":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&guilds.InteractionParams{}, &guilds.InteractionCallbackParams{}} {
			err := decodeBody(body, v)
			if err == nil {
				continue
			}
			var ae *apiError
			if !errors.As(err, &ae) || (ae.Code != 50109 && ae.Code != 50035) || ae.Status != 400 {
				t.Fatalf("decodeBody(%q) = %v, want a 400 with 50109 or 50035", body, err)
			}
		}
	})
}

// FuzzDecodeBody: any JSON body decodes into the params structs or yields Discord's 50109 /
// 50035 answer; never a panic or another kind of error.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"content":"hi"}`, `{"content":5}`, `{"embeds":[{},{"title":3}]}`, `{"nonce":123,"enforce_nonce":true}`,
		`{"allowed_mentions":{"parse":["users"]},"message_reference":{"message_id":"1"}}`,
		`{"attachments":[{"id":"0","filename":"a"}]}`, `{"content": `, `[]`, `null`, `"x"`, ``, `{"embeds":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&guilds.MessageParams{}, &guilds.EditMessageParams{}, &guilds.ExecuteWebhookParams{}} {
			err := decodeBody(body, v)
			if err == nil {
				continue
			}
			var ae *apiError
			if !errors.As(err, &ae) || (ae.Code != 50109 && ae.Code != 50035) || ae.Status != 400 {
				t.Fatalf("decodeBody(%q) = %v, want a 400 with 50109 or 50035", body, err)
			}
		}
	})
}

// FuzzMultipart: any multipart body, read under a cap as readBody reads it, is either
// refused with an error or yields files and a payload; the cap is never exceeded and the
// parser never panics.
func FuzzMultipart(f *testing.F) {
	f.Add("xx", []byte("--xx\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"a\"}\r\n"+
		"--xx\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--xx--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file1\"; filename=\"y\"\r\n\r\nz\r\n--b--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"files[999999]\"; filename=\"x\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"x\"\r\n\r\n2\r\n--b--"))
	f.Add("b", []byte("--b\r\n\r\n--b--"))
	const limit = 4 << 10
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		lr := &limitedReader{r: bytes.NewReader(body), n: limit}
		form, err := parseMultipart(lr, boundary, limit)
		if err != nil {
			return
		}
		defer form.RemoveAll()
		if len(body) > limit && !lr.over && lr.n < 0 {
			t.Fatalf("read past the cap")
		}
		files, err := formFiles(form)
		if err != nil {
			return
		}
		total, seen := 0, map[int]bool{}
		for _, fl := range files {
			if seen[fl.Index] {
				t.Fatalf("index %d twice", fl.Index)
			}
			seen[fl.Index] = true
			total += len(fl.Data)
		}
		if total > limit {
			t.Fatalf("%d file bytes from a %d-byte cap", total, limit)
		}
		if p := form.Value["payload_json"]; len(p) > 0 {
			var mp guilds.MessageParams
			_ = decodeBody([]byte(p[0]), &mp)
		}
	})
}
