package guilds

import "testing"

func TestParseEmoji(t *testing.T) {
	tests := []struct {
		in      string
		want    EmojiRef
		wantErr bool
	}{
		{"%F0%9F%91%8D", EmojiRef{Name: "👍"}, false},
		{"👍", EmojiRef{Name: "👍"}, false},
		{"party:123", EmojiRef{Name: "party", ID: 123}, false},
		{"party%3A123", EmojiRef{Name: "party", ID: 123}, false},
		{"a:dance:456", EmojiRef{Name: "dance", ID: 456, Animated: true}, false},
		{"789", EmojiRef{ID: 789}, false},
		{"", EmojiRef{}, true},
		{"name:notanid", EmojiRef{}, true},
		{"b:x:1", EmojiRef{}, true},
		{"%zz", EmojiRef{}, true},
		{"<:x:1>", EmojiRef{}, true},
		{"a:b:c:d", EmojiRef{}, true},
	}
	for _, tt := range tests {
		got, err := ParseEmoji(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseEmoji(%q) = %+v, %v; want %+v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseEmoji(f *testing.F) {
	for _, s := range []string{"👍", "%F0%9F%91%8D", "x:1", "a:x:1", "1", "", "::", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEmoji(s)
		if err != nil {
			return
		}
		if e.ID == 0 && e.Name == "" {
			t.Fatalf("ParseEmoji(%q) accepted an emoji with neither id nor name", s)
		}
	})
}
