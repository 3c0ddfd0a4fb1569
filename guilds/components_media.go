package guilds

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// eachMedia calls fn with the errors-tree path of every unfurled media item of a V2 message
// (thumbnails, gallery items, files, also inside sections and containers); file is the file
// component that owns m, if any.
func eachMedia(field string, comps []opcodes.Component, fn func(f string, m *opcodes.UnfurledMedia, file *opcodes.Component)) {
	for i := range comps {
		c := &comps[i]
		f := at(field, i)
		switch c.Type {
		case opcodes.ComponentThumbnail:
			if c.Media != nil {
				fn(f+".media", c.Media, nil)
			}
		case opcodes.ComponentMediaGallery:
			for j := range c.Items {
				fn(at(f+".items", j)+".media", &c.Items[j].Media, nil)
			}
		case opcodes.ComponentFile:
			if c.File != nil {
				fn(f+".file", c.File, c)
			}
		case opcodes.ComponentSection:
			if a := c.Accessory; a != nil && a.Type == opcodes.ComponentThumbnail && a.Media != nil {
				fn(f+".accessory.media", a.Media, nil)
			}
		case opcodes.ComponentContainer:
			eachMedia(f+".components", c.Components, fn)
		}
	}
}

// linkMedia resolves a V2 message's attachment://<filename> references against its files
// (an unknown name is a field error), fills what Discord fills (the attachment's id, type and
// size, the file component's name and size) and gives every media item its id. External
// urls are not fetched: their proxy_url is the url itself.
func (s *Service) linkMedia(v *validator, field string, comps []opcodes.Component, files []opcodes.Attachment) {
	eachMedia(field, comps, func(f string, m *opcodes.UnfurledMedia, file *opcodes.Component) {
		m.ID = s.ids.Next()
		name, ok := strings.CutPrefix(m.URL, attachmentScheme)
		if !ok {
			m.ProxyURL = m.URL
			return
		}
		for _, a := range files {
			if a.Filename == name {
				id := a.ID
				m.AttachmentID, m.ContentType, m.Width, m.Height = &id, a.ContentType, a.Width, a.Height
				if file != nil {
					fn, size := a.Filename, a.Size
					file.Name, file.Size = &fn, &size
				}
				return
			}
		}
		v.add(f+".url", "UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND", "No attachment named "+name+" in this message")
	})
}

// componentsOut is a stored components array as the API returns it: media that reference an
// attachment get its current CDN url (stored rows keep attachment://, as attachments keep no
// url, so a changed CDN prefix moves them too).
func (s *Service) componentsOut(channelID snowflake.ID, raw json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	if !bytes.Contains(raw, []byte(`"attachment_id"`)) {
		_ = json.Unmarshal(raw, &out)
		return out
	}
	var comps []opcodes.Component
	if json.Unmarshal(raw, &comps) != nil {
		_ = json.Unmarshal(raw, &out)
		return out
	}
	eachMedia("", comps, func(_ string, m *opcodes.UnfurledMedia, _ *opcodes.Component) {
		if name, ok := strings.CutPrefix(m.URL, attachmentScheme); ok && m.AttachmentID != nil {
			u := s.attachmentURL(channelID, *m.AttachmentID, name)
			m.URL, m.ProxyURL = u, u
		}
	})
	out = make([]json.RawMessage, len(comps))
	for i, c := range comps {
		out[i], _ = json.Marshal(c)
	}
	return out
}
