package guilds

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"testing"

	"github.com/parley-chat/parley/opcodes"
)

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.NRGBA{R: 255, A: 255})
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// apngBytes inserts an acTL chunk after IHDR (CRC is not checked by the sniffer).
func apngBytes(t testing.TB) []byte {
	p := pngBytes(t, 4, 4)
	ihdrEnd := 8 + 12 + 13
	actl := append([]byte{0, 0, 0, 8, 'a', 'c', 'T', 'L'}, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)
	return append(append(append([]byte{}, p[:ihdrEnd]...), actl...), p[ihdrEnd:]...)
}

func TestStickerFormat(t *testing.T) {
	huge := pngBytes(t, 4, 4)
	copy(huge[16:24], []byte{0, 1, 0, 0, 0, 1, 0, 0}) // IHDR claims 65536 × 65536
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"png", pngBytes(t, 320, 320), opcodes.StickerFormatPNG},
		{"apng", apngBytes(t), opcodes.StickerFormatAPNG},
		{"gif", gifBytes(t, 16, 16), opcodes.StickerFormatGIF},
		{"lottie", []byte(`{"v":"5.5.2","fr":30,"ip":0,"op":60,"w":320,"h":320,"layers":[]}`), opcodes.StickerFormatLottie},
		{"too wide", pngBytes(t, 321, 10), 0},
		{"huge header", huge, 0},
		{"json but not lottie", []byte(`{"a":1}`), 0},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, 0},
		{"too big", append(pngBytes(t, 2, 2), make([]byte, maxStickerBytes)...), 0},
		{"empty", nil, 0},
		{"truncated png", pngBytes(t, 8, 8)[:20], 0},
	}
	for _, tc := range tests {
		if got := stickerFormat(tc.data); got != tc.want {
			t.Errorf("%s: format %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestSoundFormat(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{[]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg"},
		{[]byte{0xFF, 0xFB, 0x90, 0x64}, "audio/mpeg"},
		{[]byte("OggS\x00\x02"), "audio/ogg"},
		{[]byte("RIFF....WAVE"), ""},
		{[]byte{0xFF, 0xE0, 0, 0}, ""}, // sync without a layer
		{make([]byte, maxSoundBytes+1), ""},
	} {
		if got := soundFormat(tc.data); got != tc.want {
			t.Errorf("soundFormat(%q) = %q, want %q", tc.data[:min(len(tc.data), 8)], got, tc.want)
		}
	}
}

// FuzzStickerFormat: any bytes are classified without a panic, and whatever is accepted as a
// raster really has bounded dimensions.
func FuzzStickerFormat(f *testing.F) {
	f.Add(pngBytes(f, 2, 2))
	f.Add(apngBytes(f))
	f.Add(gifBytes(f, 2, 2))
	f.Add([]byte(`{"v":1,"fr":1,"ip":0,"op":1,"layers":[]}`))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"))
	f.Fuzz(func(t *testing.T, data []byte) {
		switch stickerFormat(data) {
		case opcodes.StickerFormatPNG, opcodes.StickerFormatAPNG:
			cfg, err := png.DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg.Width > maxStickerSide || cfg.Height > maxStickerSide {
				t.Fatalf("accepted png %v %v", cfg, err)
			}
		case opcodes.StickerFormatGIF:
			cfg, err := gif.DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg.Width > maxStickerSide || cfg.Height > maxStickerSide {
				t.Fatalf("accepted gif %v %v", cfg, err)
			}
		}
		_ = soundFormat(data)
	})
}

// FuzzRenderImage: stored image bytes of any shape are served or converted without a panic,
// and a conversion never produces an image larger than asked for.
func FuzzRenderImage(f *testing.F) {
	f.Add(pngBytes(f, 40, 20), "png", 16)
	f.Add(gifBytes(f, 8, 8), "jpg", 0)
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "png", 32)
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDB}, "gif", 64)
	f.Fuzz(func(t *testing.T, data []byte, ext string, size int) {
		a, err := renderImage(data, ext, size)
		if err != nil || a.ContentType == sniffImage(data) {
			return
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(a.Data))
		if err != nil {
			t.Fatalf("converted to %s but undecodable: %v", a.ContentType, err)
		}
		if size > 0 && (cfg.Width > size || cfg.Height > size) {
			t.Fatalf("size %d gave %dx%d", size, cfg.Width, cfg.Height)
		}
	})
}

func TestScaleDown(t *testing.T) {
	a, err := renderImage(pngBytes(t, 100, 50), "png", 16)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := png.DecodeConfig(bytes.NewReader(a.Data))
	if cfg.Width != 16 || cfg.Height != 8 {
		t.Fatalf("scaled to %dx%d", cfg.Width, cfg.Height)
	}
	huge := pngBytes(t, 4, 4)
	copy(huge[16:24], []byte{0, 0, 0x10, 0, 0, 0, 0x10, 0}) // header claims 4096 × 4096
	if a, _ := renderImage(huge, "jpg", 16); a.ContentType != "image/png" {
		t.Fatalf("an image beyond the pixel limit was decoded: %s", a.ContentType)
	}
}
