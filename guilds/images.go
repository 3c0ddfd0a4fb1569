package guilds

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// maxImageBytes bounds decoded avatars, icons and emojis (Discord's emoji limit is 256 KiB).
const maxImageBytes = 256 * 1024

var errBadImage = errors.New("guilds: invalid image data")

// decodeImage reads a data URI ("data:image/png;base64,...") and reports whether the image is
// animated (GIF).
func decodeImage(uri string) (data []byte, animated bool, err error) {
	rest, ok := strings.CutPrefix(uri, "data:")
	if !ok {
		return nil, false, errBadImage
	}
	mime, payload, ok := strings.Cut(rest, ",")
	if !ok || !strings.HasSuffix(mime, ";base64") {
		return nil, false, errBadImage
	}
	mime = strings.TrimSuffix(mime, ";base64")
	switch mime {
	case "image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/avif":
	default:
		return nil, false, errBadImage
	}
	data, err = base64.StdEncoding.DecodeString(payload)
	if err != nil || len(data) == 0 || len(data) > maxImageBytes {
		return nil, false, errBadImage
	}
	return data, mime == "image/gif", nil
}

// imageHash validates a data URI and returns the hash Discord-style clients use to build CDN
// URLs ("a_" prefix for animated images).
func imageHash(uri string) (string, error) {
	data, animated, err := decodeImage(uri)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:16])
	if animated {
		h = "a_" + h
	}
	return h, nil
}
