package guilds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// CDN asset kinds: the first path segment of Discord's CDN URL for each stored image.
const (
	CDNEmojis      = "emojis"
	CDNStickers    = "stickers"
	CDNSounds      = "soundboard-sounds"
	CDNAvatars     = "avatars"
	CDNIcons       = "icons"
	CDNEventCovers = imageKindEventCover
)

// maxRenderPixels bounds an image the CDN decodes to resize or convert: 2048 × 2048, checked
// from the header (DecodeConfig) before any pixel is decoded. Uploads are ≤ 512 KiB but a
// compressed image can claim any size; larger ones are served as stored, never decoded.
const maxRenderPixels = 2048 * 2048

var (
	// ErrUnknownAsset: the CDN has nothing at that path (404).
	ErrUnknownAsset = errors.New("guilds: unknown CDN asset")
	// ErrInvalidAssetRequest: a size that is not a power of two in 16–4096, or an extension
	// Discord does not offer for the asset (400).
	ErrInvalidAssetRequest = errors.New("guilds: invalid CDN request")
)

// Asset is a CDN answer: the bytes and their type.
type Asset struct {
	ContentType string
	Data        []byte
}

// CDNAsset serves Discord's CDN paths for what Parley stores: /emojis/{id}.{ext},
// /stickers/{id}.{png|gif|json}, /soundboard-sounds/{id}, and /avatars|icons|guild-events/
// {owner}/{hash}.{ext}. size (0: as stored) must be a power of two in 16–4096 and scales the
// longest side down to it; ext png, jpg/jpeg and gif convert with the standard library.
// WebP and AVIF cannot be decoded or encoded by it: a request for webp (which Discord offers)
// and any stored WebP/AVIF image are answered with the stored bytes and their own type.
// Animated GIFs are served as stored when GIF is asked for, so animation survives.
func (s *Service) CDNAsset(ctx context.Context, kind string, owner snowflake.ID, hash, ext string, size int) (Asset, error) {
	if size != 0 && (size < 16 || size > 4096 || size&(size-1) != 0) {
		return Asset{}, ErrInvalidAssetRequest
	}
	var data []byte
	switch kind {
	case CDNEmojis:
		img, err := s.EmojiImage(ctx, owner)
		if errors.Is(err, ErrUnknownEmoji) {
			return Asset{}, ErrUnknownAsset
		}
		if err != nil {
			return Asset{}, err
		}
		data = img
	case CDNStickers:
		f, err := s.StickerImage(ctx, owner)
		if errors.Is(err, ErrUnknownSticker) {
			return Asset{}, ErrUnknownAsset
		}
		if err != nil {
			return Asset{}, err
		}
		if f.FormatType == opcodes.StickerFormatLottie {
			if ext != "json" {
				return Asset{}, ErrInvalidAssetRequest
			}
			return Asset{ContentType: "application/json", Data: f.Data}, nil
		}
		if ext == "json" {
			return Asset{}, ErrInvalidAssetRequest
		}
		data = f.Data
	case CDNSounds:
		f, err := s.SoundData(ctx, owner)
		if errors.Is(err, ErrUnknownSound) {
			return Asset{}, ErrUnknownAsset
		}
		if err != nil {
			return Asset{}, err
		}
		return Asset{ContentType: f.ContentType, Data: f.Data}, nil
	case CDNAvatars, CDNIcons, CDNEventCovers:
		img, err := s.store.Images().Get(ctx, kind, owner, hash)
		if err != nil {
			if err := notFound(err, ErrUnknownAsset, "load image"); !errors.Is(err, ErrUnknownAsset) {
				return Asset{}, err
			}
			return Asset{}, ErrUnknownAsset
		}
		data = img.Data
	default:
		return Asset{}, ErrUnknownAsset
	}
	return renderImage(data, ext, size)
}

// sniffImage names a stored image's type by its magic bytes.
func sniffImage(data []byte) string {
	switch {
	case bytes.HasPrefix(data, pngMagic):
		return "image/png"
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "image/gif"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	case len(data) >= 12 && string(data[4:12]) == "ftypavif":
		return "image/avif"
	}
	return "application/octet-stream"
}

var extTypes = map[string]string{"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

// renderImage converts and scales data for the CDN (see CDNAsset). It decodes only images
// whose header is within maxRenderPixels; anything it cannot decode is served as stored.
func renderImage(data []byte, ext string, size int) (Asset, error) {
	stored := sniffImage(data)
	want, ok := extTypes[ext]
	if ext == "" {
		want, ok = stored, true
	}
	if !ok {
		return Asset{}, ErrInvalidAssetRequest
	}
	asIs := Asset{ContentType: stored, Data: data}
	switch stored {
	case "image/png", "image/gif", "image/jpeg":
	default:
		return asIs, nil // WebP, AVIF: the standard library cannot decode them
	}
	if want == "image/webp" || want == stored && size == 0 || want == "image/gif" && stored == "image/gif" {
		return asIs, nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxRenderPixels {
		return asIs, nil
	}
	if want == stored && (size == 0 || max(cfg.Width, cfg.Height) <= size) {
		return asIs, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return asIs, nil
	}
	if size != 0 && max(cfg.Width, cfg.Height) > size {
		img = scaleDown(img, size)
	}
	var b bytes.Buffer
	switch want {
	case "image/png":
		err = png.Encode(&b, img)
	case "image/jpeg":
		err = jpeg.Encode(&b, flatten(img), &jpeg.Options{Quality: 90})
	case "image/gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		return Asset{}, fmt.Errorf("encode image: %w", err)
	}
	return Asset{ContentType: want, Data: b.Bytes()}, nil
}

// scaleDown resizes img so its longest side is size, averaging the source pixels under each
// destination pixel (a box filter): good enough for icons, and only the standard library.
func scaleDown(img image.Image, size int) image.Image {
	sb := img.Bounds()
	w, h := sb.Dx(), sb.Dy()
	dw, dh := size, size
	if w > h {
		dh = max(1, h*size/w)
	} else {
		dw = max(1, w*size/h)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		y0, y1 := sb.Min.Y+y*h/dh, sb.Min.Y+max((y+1)*h/dh, y*h/dh+1)
		for x := 0; x < dw; x++ {
			x0, x1 := sb.Min.X+x*w/dw, sb.Min.X+max((x+1)*w/dw, x*w/dw+1)
			var r, g, b, a, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					r, g, b, a, n = r+uint64(cr), g+uint64(cg), b+uint64(cb), a+uint64(ca), n+1
				}
			}
			i := dst.PixOffset(x, y)
			if a == 0 {
				continue
			}
			// Un-premultiply the averaged colour.
			dst.Pix[i+0] = uint8(r * 0xff / a)
			dst.Pix[i+1] = uint8(g * 0xff / a)
			dst.Pix[i+2] = uint8(b * 0xff / a)
			dst.Pix[i+3] = uint8(a / n >> 8)
		}
	}
	return dst
}

// flatten draws img on white, as JPEG has no alpha.
func flatten(img image.Image) image.Image {
	dst := image.NewRGBA(img.Bounds())
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Over)
	return dst
}
