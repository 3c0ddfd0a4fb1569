package guilds

import (
	"testing"
	"time"
)

func TestNonceCacheExpiresInOrder(t *testing.T) {
	c := &nonceCache{m: make(map[string]nonceEntry)}
	t0 := time.Unix(1_000_000, 0)
	c.store("a", nonceEntry{messageID: 1, at: t0})
	c.store("b", nonceEntry{messageID: 2, at: t0.Add(time.Minute)})
	if e, ok := c.lookup("a", t0.Add(nonceWindow)); !ok || e.messageID != 1 {
		t.Fatalf("a within the window = %+v, %v", e, ok)
	}
	if _, ok := c.lookup("a", t0.Add(nonceWindow+time.Second)); ok {
		t.Fatal("a after the window is still there")
	}
	if e, ok := c.lookup("b", t0.Add(nonceWindow+time.Second)); !ok || e.messageID != 2 {
		t.Fatalf("b within its window = %+v, %v", e, ok)
	}
	// Storing a key again renews it: the old queue entry must not delete the new one.
	c.store("b", nonceEntry{messageID: 3, at: t0.Add(5 * time.Minute)})
	if e, ok := c.lookup("b", t0.Add(nonceWindow+2*time.Minute)); !ok || e.messageID != 3 {
		t.Fatalf("renewed b = %+v, %v", e, ok)
	}
	if len(c.m) != 1 {
		t.Fatalf("map holds %d entries, want 1", len(c.m))
	}
	// The queue is compacted, not grown forever.
	for i := range 5000 {
		c.store("k", nonceEntry{at: t0.Add(time.Hour + time.Duration(i)*time.Second)})
	}
	if len(c.order)-c.head > 400 || len(c.m) != 1 {
		t.Fatalf("queue holds %d live entries (%d total), map %d", len(c.order)-c.head, len(c.order), len(c.m))
	}
}
