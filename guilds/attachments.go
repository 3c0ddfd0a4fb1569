package guilds

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig reads attachment dimensions
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Discord's upload limits.
const (
	maxAttachments = 10
	// DefaultMaxAttachmentSize is Discord's default per-file limit (10 MiB since 2025-01).
	DefaultMaxAttachmentSize = 10 << 20
	maxFilenameLen           = 1024
	maxAttachmentDescription = 1024
)

// File is one uploaded file of a multipart request (a files[n] part).
type File struct {
	// Index is the n of files[n]; a payload's attachments entry with id n describes it.
	Index int
	// Name is the part's filename.
	Name string
	// ContentType is the part's Content-Type; empty or application/octet-stream means
	// "unknown", and the type is sniffed from the data.
	ContentType string
	Data        []byte
}

// AttachmentParams is one entry of a payload's attachments array. On create, ID is the
// index n of the files[n] it describes. On edit, an ID that names one of the message's
// attachments keeps that attachment; any other is the index of a new upload.
type AttachmentParams struct {
	ID          snowflake.ID `json:"id"`
	Filename    *string      `json:"filename"`
	Description *string      `json:"description"`
}

// AttachmentFile is an uploaded file as the CDN route serves it.
type AttachmentFile struct {
	Filename    string
	ContentType string
	Data        []byte
}

// upload is a validated file waiting for its IDs: the metadata the message lists (without
// URLs, which are derived when the message is shaped) and the bytes.
type upload struct {
	meta opcodes.Attachment
	data []byte
}

// checkUploads validates files and the attachments entries describing them. kept is the
// number of attachments the message keeps (edit); entries whose ID is in existing refer to
// those and are skipped. It returns ErrFileTooLarge at once for an oversized file and
// collects every other problem in v.
func (s *Service) checkUploads(v *validator, files []File, params []AttachmentParams, kept int, existing map[snowflake.ID]bool) ([]upload, error) {
	if len(files)+kept > maxAttachments {
		v.add("attachments", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxAttachments))
		return nil, nil
	}
	byIndex := make(map[int]int, len(files)) // index → position in files
	for i, f := range files {
		if len(f.Data) > s.maxFile {
			return nil, ErrFileTooLarge
		}
		if _, dup := byIndex[f.Index]; dup || f.Index < 0 {
			v.add("files", "BASE_TYPE_INVALID", fmt.Sprintf("Duplicate or invalid file index %d.", f.Index))
			continue
		}
		byIndex[f.Index] = i
	}
	out := make([]upload, len(files))
	described := make([]int, len(files)) // position in params + 1, 0 = none
	for i, ap := range params {
		if existing[ap.ID] {
			continue
		}
		pos, ok := 0, false
		if ap.ID < 1<<31 {
			pos, ok = byIndex[int(ap.ID)]
		}
		if !ok {
			v.add(fmt.Sprintf("attachments.%d.id", i), "ATTACHMENT_NOT_FOUND", "Unknown attachment: no file was uploaded with this id.")
			continue
		}
		described[pos] = i + 1
	}
	for i, f := range files {
		name, field := f.Name, fmt.Sprintf("files[%d]", f.Index)
		var desc *string
		if d := described[i]; d > 0 {
			ap := params[d-1]
			if ap.Filename != nil && *ap.Filename != "" {
				name, field = *ap.Filename, fmt.Sprintf("attachments.%d.filename", d-1)
			}
			if ap.Description != nil && *ap.Description != "" {
				if len([]rune(*ap.Description)) > maxAttachmentDescription {
					v.add(fmt.Sprintf("attachments.%d.description", d-1), "BASE_TYPE_MAX_LENGTH",
						fmt.Sprintf("Must be %d or fewer in length.", maxAttachmentDescription))
				}
				desc = ap.Description
			}
		}
		name = sanitiseFilename(name)
		if len([]rune(name)) > maxFilenameLen {
			v.add(field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxFilenameLen))
		}
		ct := contentType(f.ContentType, name, f.Data)
		data := f.Data
		if data == nil {
			data = []byte{}
		}
		out[i] = upload{
			meta: opcodes.Attachment{Filename: name, Description: desc, ContentType: &ct, Size: len(data)},
			data: data,
		}
		if strings.HasPrefix(ct, "image/") {
			if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
				out[i].meta.Width, out[i].meta.Height = &cfg.Width, &cfg.Height
			}
		}
	}
	return out, nil
}

// assignUploads gives each upload its snowflake and returns the metadata the message lists
// and the rows the attachment store keeps.
func (s *Service) assignUploads(channelID, messageID snowflake.ID, ups []upload) ([]opcodes.Attachment, []storage.Attachment) {
	metas := make([]opcodes.Attachment, len(ups))
	rows := make([]storage.Attachment, len(ups))
	for i, u := range ups {
		id := s.ids.Next()
		u.meta.ID = id
		metas[i] = u.meta
		rows[i] = storage.Attachment{ID: id, ChannelID: channelID, MessageID: messageID, Filename: u.meta.Filename,
			ContentType: *u.meta.ContentType, Size: len(u.data), Data: u.data}
	}
	return metas, rows
}

// encodeAttachments is the message row's attachments JSON: the metadata without URLs (those
// follow the configured CDN prefix when the message is shaped), nil for none.
func encodeAttachments(as []opcodes.Attachment) json.RawMessage {
	if len(as) == 0 {
		return nil
	}
	stored := make([]opcodes.Attachment, len(as))
	for i, a := range as {
		a.URL, a.ProxyURL = "", ""
		stored[i] = a
	}
	b, _ := json.Marshal(stored)
	return b
}

// decodeAttachments reads a message row's attachments JSON.
func decodeAttachments(raw json.RawMessage) []opcodes.Attachment {
	var as []opcodes.Attachment
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &as)
	}
	return as
}

// attachmentURL is where the CDN route serves an attachment:
// {CDNURL}/attachments/{channel_id}/{attachment_id}/{filename}.
func (s *Service) attachmentURL(channelID, id snowflake.ID, filename string) string {
	return s.cdn + "/attachments/" + channelID.String() + "/" + id.String() + "/" + url.PathEscape(filename)
}

// withURLs fills url and proxy_url of a message's attachments.
func (s *Service) withURLs(channelID snowflake.ID, as []opcodes.Attachment) {
	for i := range as {
		u := s.attachmentURL(channelID, as[i].ID, as[i].Filename)
		as[i].URL, as[i].ProxyURL = u, u
	}
}

// putUploads stores the files of a message that is about to be written.
func (s *Service) putUploads(ctx context.Context, rows []storage.Attachment) error {
	if len(rows) == 0 {
		return nil
	}
	if err := s.store.Attachments().Put(ctx, rows...); err != nil {
		return fmt.Errorf("store attachments: %w", err)
	}
	return nil
}

// dropUploads removes files whose message write failed. It runs even if ctx was cancelled
// (that may be why the write failed). Should it fail too, the rows stay behind, unlisted by
// any message (for a failed create, nothing will ever delete them), so it is logged.
func (s *Service) dropUploads(ctx context.Context, messageID snowflake.ID, rows []storage.Attachment) {
	if len(rows) == 0 {
		return
	}
	ids := make([]snowflake.ID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	if err := s.store.Attachments().Delete(context.WithoutCancel(ctx), messageID, ids); err != nil {
		s.log.WarnContext(ctx, "drop attachments of a failed message write", "message_id", messageID, "err", err)
	}
}

// Attachment serves GET /attachments/{channel_id}/{attachment_id}/{filename}. Like Discord's
// CDN it needs no authentication: the attachment and channel snowflakes in the URL are the
// capability. That is a deliberate trade-off: anyone who obtains a URL (a forwarded link, a
// log) can fetch the file until its message is deleted, and snowflakes are time-ordered, so
// they are hard to guess rather than secret; Discord signs its URLs with an expiry
// (?ex=&is=&hm=), which Parley does not. The filename must match the stored one.
func (s *Service) Attachment(ctx context.Context, channelID, id snowflake.ID, filename string) (AttachmentFile, error) {
	a, err := s.store.Attachments().Get(ctx, channelID, id)
	if err != nil {
		return AttachmentFile{}, notFound(err, ErrUnknownAttachment, "load attachment")
	}
	if a.Filename != filename {
		return AttachmentFile{}, ErrUnknownAttachment
	}
	return AttachmentFile{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data}, nil
}

// sanitiseFilename keeps a file's base name (some clients send paths), without control
// characters, and with spaces as underscores, as Discord stores names.
func sanitiseFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || r == '\uFFFD':
			return -1
		case r == ' ':
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" || name == "." || name == ".." {
		return "unknown"
	}
	return name
}

// contentType is the part's declared type when it gives a real one, else the type sniffed
// from the data, else the one the extension implies.
func contentType(declared, filename string, data []byte) string {
	if mt, params, err := mime.ParseMediaType(declared); err == nil && mt != "application/octet-stream" {
		return mime.FormatMediaType(mt, params)
	}
	sniffed := http.DetectContentType(data)
	if sniffed == "application/octet-stream" {
		if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(filename))); byExt != "" {
			return byExt
		}
	}
	return sniffed
}

// keepAttachments splits a message's attachments by an edit's attachments list: the ones it
// names stay, the rest go. It also returns the set of IDs named, so checkUploads skips them.
func keepAttachments(current []opcodes.Attachment, params []AttachmentParams) (kept []opcodes.Attachment, removed []snowflake.ID, named map[snowflake.ID]bool) {
	named = make(map[snowflake.ID]bool, len(params))
	for _, a := range current {
		if slices.ContainsFunc(params, func(ap AttachmentParams) bool { return ap.ID == a.ID }) {
			named[a.ID] = true
			kept = append(kept, a)
		} else {
			removed = append(removed, a.ID)
		}
	}
	return kept, removed, named
}
