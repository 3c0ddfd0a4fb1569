package guilds

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/gif"
	"image/png"

	"github.com/parley-chat/parley/opcodes"
)

// Limits of sticker and soundboard uploads, as Discord documents them.
const (
	maxStickerBytes = 512 * 1024
	maxStickerSide  = 320 // stickers are at most 320 × 320 pixels
	maxSoundBytes   = 512 * 1024
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// stickerFormat identifies an uploaded sticker file by its bytes, never by the name or
// Content-Type a client claims: PNG (APNG when an acTL chunk precedes the image data), GIF, or
// a Lottie JSON document. Raster files are checked with DecodeConfig only, so no pixel is
// decoded and a header claiming huge dimensions is refused before any allocation; the
// dimensions may not exceed 320 × 320. It returns 0 for anything else.
func stickerFormat(data []byte) int {
	if len(data) == 0 || len(data) > maxStickerBytes {
		return 0
	}
	switch {
	case bytes.HasPrefix(data, pngMagic):
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || !smallSticker(cfg) {
			return 0
		}
		if isAPNG(data) {
			return opcodes.StickerFormatAPNG
		}
		return opcodes.StickerFormatPNG
	case bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a")):
		cfg, err := gif.DecodeConfig(bytes.NewReader(data))
		if err != nil || !smallSticker(cfg) {
			return 0
		}
		return opcodes.StickerFormatGIF
	case isLottie(data):
		return opcodes.StickerFormatLottie
	}
	return 0
}

func smallSticker(cfg image.Config) bool {
	return cfg.Width > 0 && cfg.Height > 0 && cfg.Width <= maxStickerSide && cfg.Height <= maxStickerSide
}

// isAPNG walks the PNG chunk list (length, type, data, CRC) up to the first IDAT looking for
// acTL, the animation control chunk. Each step moves forward by at least 12 bytes, so the walk
// ends within len(data)/12 steps whatever the lengths claim.
func isAPNG(data []byte) bool {
	for p := len(pngMagic); p+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		switch typ {
		case "acTL":
			return true
		case "IDAT", "IEND":
			return false
		}
		if n < 0 || n > len(data) {
			return false
		}
		p += 12 + n
	}
	return false
}

// isLottie reports whether data is a JSON object with the keys every Lottie animation has
// (version, frame rate, in/out points, layers). json.Valid runs first: it allocates nothing
// and is linear in the input, which stickerFormat has already capped at 512 KiB.
func isLottie(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return false
	}
	var doc struct {
		V      *json.RawMessage  `json:"v"`
		Fr     *json.RawMessage  `json:"fr"`
		Ip     *json.RawMessage  `json:"ip"`
		Op     *json.RawMessage  `json:"op"`
		Layers []json.RawMessage `json:"layers"`
	}
	if json.Unmarshal(trimmed, &doc) != nil {
		return false
	}
	return doc.V != nil && doc.Fr != nil && doc.Ip != nil && doc.Op != nil && doc.Layers != nil
}

// soundFormat identifies an uploaded soundboard file by its bytes: MP3 (an ID3v2 tag or an
// MPEG audio frame sync) or Ogg ("OggS" capture pattern). It returns the MIME type, or "" for
// anything else. Nothing is decoded: the CDN serves the bytes as stored.
func soundFormat(data []byte) string {
	if len(data) < 4 || len(data) > maxSoundBytes {
		return ""
	}
	switch {
	case bytes.HasPrefix(data, []byte("ID3")):
		return "audio/mpeg"
	case data[0] == 0xFF && data[1]&0xE0 == 0xE0 && data[1]&0x06 != 0: // frame sync, a real layer
		return "audio/mpeg"
	case bytes.HasPrefix(data, []byte("OggS")):
		return "audio/ogg"
	}
	return ""
}
