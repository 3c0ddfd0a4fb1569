package guilds

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
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
	return hashOf(data, animated), nil
}

// hashOf is the image hash of data: 32 hex digits, "a_" first for animated images.
func hashOf(data []byte, animated bool) string {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:16])
	if animated {
		h = "a_" + h
	}
	return h
}

// saveImage validates a data URI, stores its bytes for the CDN route under (kind, owner,
// hash) and returns the hash the record keeps.
func (s *Service) saveImage(ctx context.Context, kind string, owner snowflake.ID, uri string) (string, error) {
	data, animated, err := decodeImage(uri)
	if err != nil {
		return "", err
	}
	h := hashOf(data, animated)
	if err := s.store.Images().Put(ctx, storage.Image{Kind: kind, OwnerID: owner, Hash: h, Data: data}); err != nil {
		return "", fmt.Errorf("store image: %w", err)
	}
	return h, nil
}

// keepImage stores the bytes of an image whose hash a record already took (avatars and
// icons validated by imageHash); a failure only costs the CDN copy, so it is logged.
func (s *Service) keepImage(ctx context.Context, kind string, owner snowflake.ID, uri string) {
	if _, err := s.saveImage(ctx, kind, owner, uri); err != nil {
		s.log.WarnContext(ctx, "keep image for the CDN", "kind", kind, "owner", owner, "err", err)
	}
}

// imageFieldError turns errBadImage into Discord's IMAGE_INVALID field error.
func imageFieldError(field string, err error) error {
	if errors.Is(err, errBadImage) {
		var v validator
		v.add(field, "IMAGE_INVALID", "Invalid image data")
		return v.err()
	}
	return err
}
