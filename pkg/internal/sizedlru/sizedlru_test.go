package sizedlru

import (
	"sync"
	"testing"
)

func TestEvictsByBytes(t *testing.T) {
	tests := []struct {
		name      string
		adds      []int64 // sizes of keys 0, 1, 2, ...
		touch     int     // key read before the last add, -1 for none
		wantKeys  []int
		wantBytes int64
	}{
		{"fits", []int64{10, 20, 30}, -1, []int{0, 1, 2}, 60},
		{"oldest evicted", []int64{40, 40, 40}, -1, []int{1, 2}, 80},
		{"recently read survives", []int64{40, 40, 40}, 0, []int{0, 2}, 80},
		{"too large for the cache", []int64{10, 101}, -1, []int{0}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New[int, string](100)
			for k, size := range tc.adds {
				if k == len(tc.adds)-1 && tc.touch >= 0 {
					c.Get(tc.touch)
				}
				c.Add(k, "v", size)
			}
			for _, k := range tc.wantKeys {
				if _, ok := c.Get(k); !ok {
					t.Errorf("key %d evicted", k)
				}
			}
			if c.Len() != len(tc.wantKeys) || c.Bytes() != tc.wantBytes {
				t.Errorf("%d entries, %d bytes; want %d, %d", c.Len(), c.Bytes(), len(tc.wantKeys), tc.wantBytes)
			}
		})
	}
}

func TestReplaceAccountsOnce(t *testing.T) {
	c := New[string, int](100)
	c.Add("a", 1, 30)
	c.Add("a", 2, 50)
	if v, _ := c.Get("a"); v != 2 || c.Bytes() != 50 {
		t.Errorf("value %d, %d bytes; want 2, 50", v, c.Bytes())
	}
	c.Add("a", 3, 500) // grew past the limit: dropped, not kept stale
	if _, ok := c.Get("a"); ok || c.Bytes() != 0 {
		t.Errorf("oversized replacement kept: %d bytes", c.Bytes())
	}
}

func TestGetOrAddShares(t *testing.T) {
	c := New[string, *int](100)
	var made int
	var wg sync.WaitGroup
	got := make([]*int, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = c.GetOrAdd("k", func() *int { made++; return new(int) })
		}()
	}
	wg.Wait()
	for _, p := range got {
		if p != got[0] {
			t.Fatal("concurrent callers got different values")
		}
	}
	if made != 1 {
		t.Errorf("made %d values, want 1", made)
	}
}
