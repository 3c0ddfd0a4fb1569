package guilds

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/snowflake"
)

// GET /guilds/{id}/widget.png: a real PNG drawn with the standard library. Discord's five
// styles keep their sizes; each shows the guild's name and how many members are in voice
// (the online count widget.json reports) in a small built-in bitmap font.

// widgetStyles are Discord's widget image styles and their sizes in pixels.
var widgetStyles = map[string]image.Point{
	"shield":  {124, 20},
	"banner1": {300, 76},
	"banner2": {300, 64},
	"banner3": {300, 108},
	"banner4": {300, 164},
}

// IsWidgetStyle reports whether style is one of Discord's widget image styles.
func IsWidgetStyle(style string) bool {
	_, ok := widgetStyles[style]
	return ok
}

// WidgetPNG is GET /guilds/{id}/widget.png (public): ErrWidgetDisabled unless the widget is on.
// style is "shield" (the default), "banner1" … "banner4"; others get a 50035 error.
func (s *Service) WidgetPNG(ctx context.Context, guildID snowflake.ID, style string) ([]byte, error) {
	if style == "" {
		style = "shield"
	}
	size, ok := widgetStyles[style]
	if !ok {
		var v validator
		v.add("style", "BASE_TYPE_CHOICES", "Value must be one of ('shield', 'banner1', 'banner2', 'banner3', 'banner4').")
		return nil, v.err()
	}
	w, err := s.Widget(ctx, guildID)
	if err != nil {
		return nil, err
	}
	img := drawWidget(size, w.Name, w.PresenceCount, style == "shield")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode widget png: %w", err)
	}
	return buf.Bytes(), nil
}

var (
	widgetBlurple = color.RGBA{0x58, 0x65, 0xf2, 0xff}
	widgetDark    = color.RGBA{0x31, 0x33, 0x38, 0xff}
	widgetWhite   = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// drawWidget paints the badge: a dark label and a blurple count on a shield, or a blurple
// banner with the guild's name over the count.
func drawWidget(size image.Point, name string, online int, shield bool) *image.RGBA {
	img := image.NewRGBA(image.Rectangle{Max: size})
	count := strconv.Itoa(online) + " ONLINE"
	if shield {
		split := size.X / 2
		fill(img, image.Rect(0, 0, split, size.Y), widgetDark)
		fill(img, image.Rect(split, 0, size.X, size.Y), widgetBlurple)
		drawText(img, "PARLEY", 4, 5, 2, widgetWhite, split-4)
		drawText(img, count, split+4, 5, 2, widgetWhite, size.X-4)
		return img
	}
	fill(img, img.Rect, widgetBlurple)
	band := size.Y * 2 / 5
	fill(img, image.Rect(0, size.Y-band, size.X, size.Y), widgetDark)
	drawText(img, strings.ToUpper(name), 10, 8, 3, widgetWhite, size.X-10)
	drawText(img, count, 10, size.Y-band+(band-10)/2, 2, widgetWhite, size.X-10)
	return img
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// drawText writes s in the 3×5 font scaled by scale, from (x, y), stopping before maxX.
func drawText(img *image.RGBA, s string, x, y, scale int, c color.RGBA, maxX int) {
	for _, r := range s {
		if x+3*scale > maxX {
			return
		}
		g, ok := widgetFont[r]
		if !ok {
			g = widgetFont['?']
		}
		for row := 0; row < 5; row++ {
			for col := 0; col < 3; col++ {
				if g[row][col] != '1' {
					continue
				}
				fill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
			}
		}
		x += 4 * scale
	}
}

// widgetFont is a 3×5 bitmap font: five rows of three pixels per glyph.
var widgetFont = map[rune][5]string{
	'A': {"010", "101", "111", "101", "101"}, 'B': {"110", "101", "110", "101", "110"},
	'C': {"011", "100", "100", "100", "011"}, 'D': {"110", "101", "101", "101", "110"},
	'E': {"111", "100", "110", "100", "111"}, 'F': {"111", "100", "110", "100", "100"},
	'G': {"011", "100", "101", "101", "011"}, 'H': {"101", "101", "111", "101", "101"},
	'I': {"111", "010", "010", "010", "111"}, 'J': {"001", "001", "001", "101", "010"},
	'K': {"101", "101", "110", "101", "101"}, 'L': {"100", "100", "100", "100", "111"},
	'M': {"101", "111", "111", "101", "101"}, 'N': {"110", "101", "101", "101", "101"},
	'O': {"010", "101", "101", "101", "010"}, 'P': {"110", "101", "110", "100", "100"},
	'Q': {"010", "101", "101", "110", "011"}, 'R': {"110", "101", "110", "101", "101"},
	'S': {"011", "100", "010", "001", "110"}, 'T': {"111", "010", "010", "010", "010"},
	'U': {"101", "101", "101", "101", "111"}, 'V': {"101", "101", "101", "101", "010"},
	'W': {"101", "101", "111", "111", "101"}, 'X': {"101", "101", "010", "101", "101"},
	'Y': {"101", "101", "010", "010", "010"}, 'Z': {"111", "001", "010", "100", "111"},
	'0': {"111", "101", "101", "101", "111"}, '1': {"010", "110", "010", "010", "111"},
	'2': {"110", "001", "010", "100", "111"}, '3': {"110", "001", "010", "001", "110"},
	'4': {"101", "101", "111", "001", "001"}, '5': {"111", "100", "110", "001", "110"},
	'6': {"011", "100", "111", "101", "111"}, '7': {"111", "001", "010", "010", "010"},
	'8': {"111", "101", "111", "101", "111"}, '9': {"111", "101", "111", "001", "110"},
	'-': {"000", "000", "111", "000", "000"}, ' ': {"000", "000", "000", "000", "000"},
	'?': {"110", "001", "010", "000", "010"},
}
