package rest

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds"
)

// isMultipart reports whether the request body is multipart/form-data.
func (r *request) isMultipart() bool {
	return strings.HasPrefix(string(r.c.Request().Header.ContentType()), "multipart/form-data")
}

// multipartForm returns the multipart body readBody parsed under the route's cap, or, for a
// request built in memory (no body stream), parses it now; nil if it is not one.
func (r *request) multipartForm() *multipart.Form {
	if r.form != nil {
		return r.form
	}
	form, err := r.c.MultipartForm()
	if err != nil {
		return nil
	}
	r.form = form
	return form
}

// formValue returns a copy of a multipart body's plain field, "" when absent.
func (r *request) formValue(name string) string {
	if !r.isMultipart() {
		return ""
	}
	form := r.multipartForm()
	if form == nil || len(form.Value[name]) == 0 {
		return ""
	}
	return strings.Clone(form.Value[name][0])
}

// files returns the uploaded files of a multipart body, ordered by index; nil for any other
// body. Parts named files[n] (Discord's form, used by every current library) keep n; the
// older single-file forms "file" and "fileN" mean index 0 and N. Any other file part, or a
// second part with an index already taken, gets the next free index, so no upload is
// silently dropped. A payload_json part is the JSON body, never a file.
func (r *request) files() ([]guilds.File, error) {
	if !r.isMultipart() {
		return nil, nil
	}
	form := r.multipartForm()
	if form == nil {
		return nil, fmt.Errorf("%w: no multipart form", fiber.ErrBadRequest)
	}
	return formFiles(form)
}

// formFiles places a parsed form's file parts at their indexes (see files).
func formFiles(form *multipart.Form) ([]guilds.File, error) {
	type part struct {
		index int // -1: assign
		name  string
		fh    *multipart.FileHeader
	}
	var parts []part
	taken := map[int]bool{}
	names := make([]string, 0, len(form.File))
	for name := range form.File {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic placement of unindexed parts
	for _, name := range names {
		if name == "payload_json" {
			continue
		}
		for _, fh := range form.File[name] {
			idx, ok := fileIndex(name)
			if !ok || taken[idx] {
				idx = -1
			} else {
				taken[idx] = true
			}
			parts = append(parts, part{idx, name, fh})
		}
	}
	next := 0
	for i := range parts {
		if parts[i].index >= 0 {
			continue
		}
		for taken[next] {
			next++
		}
		parts[i].index, taken[next] = next, true
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].index < parts[j].index })
	out := make([]guilds.File, 0, len(parts))
	for _, p := range parts {
		data, err := readPart(p.fh)
		if err != nil {
			return nil, fmt.Errorf("read upload %s: %w", p.name, err)
		}
		out = append(out, guilds.File{Index: p.index, Name: p.fh.Filename, ContentType: p.fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

// fileIndex parses files[n], fileN and file (index 0).
func fileIndex(name string) (int, bool) {
	var digits string
	switch {
	case strings.HasPrefix(name, "files[") && strings.HasSuffix(name, "]"):
		digits = name[len("files[") : len(name)-1]
	case name == "file":
		return 0, true
	case strings.HasPrefix(name, "file"):
		digits = name[len("file"):]
	default:
		return 0, false
	}
	if !isDigits(digits) || len(digits) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

// readPart copies a part's bytes out of the request (fasthttp reuses its buffers, and large
// parts may live in a temporary file).
func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// payloadPart returns payload_json when a client sent it as a file part (with a filename)
// rather than as a plain field.
func (r *request) payloadPart() []byte {
	form := r.multipartForm()
	if form == nil || len(form.File["payload_json"]) == 0 {
		return nil
	}
	b, err := readPart(form.File["payload_json"][0])
	if err != nil {
		return nil
	}
	return b
}

// inlineTypes are the attachment types served inline: raster images browsers render without
// running anything. Everything else (HTML, SVG, scripts, archives) is served as a download.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// attachmentRoutes:
//
//	GET /attachments/{channel_id}/{attachment_id}/{filename}   the uploaded bytes
//
// This is Discord's CDN path shape, served beside the API rather than under /api, and the
// URL an attachment's url and proxy_url point at. It is deliberately unauthenticated, as
// Discord's CDN is: the channel and attachment snowflakes are the capability, so anyone
// holding a URL can fetch the file until its message is deleted (Discord adds an expiring
// signature, Parley does not). Because the files share the API's origin, they are served
// with nosniff, a sandboxing Content-Security-Policy, and, unless they are raster images,
// as attachments, so an uploaded HTML or SVG file cannot run script in that origin.
func (s *Server) attachmentRoutes() {
	s.app.Get("/attachments/:channel_id/:attachment_id/:filename", func(c *fiber.Ctx) error {
		chID, err1 := parseSnowflake(c.Params("channel_id"))
		id, err2 := parseSnowflake(c.Params("attachment_id"))
		if err1 != nil || err2 != nil {
			return writeJSON(c, errNotFound.Status, errNotFound)
		}
		f, err := s.svc.Attachment(c.UserContext(), chID, id, unescape(c.Params("filename")))
		if err != nil {
			return s.fail(c, err)
		}
		mt, _, _ := mime.ParseMediaType(f.ContentType)
		disposition := "attachment"
		if inlineTypes[mt] {
			disposition = "inline"
		}
		c.Set(fiber.HeaderContentType, f.ContentType)
		if cd := mime.FormatMediaType(disposition, map[string]string{"filename": f.Filename}); cd != "" {
			disposition = cd
		}
		c.Set(fiber.HeaderContentDisposition, disposition)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; media-src 'self'; sandbox")
		return c.Send(f.Data)
	})
}
