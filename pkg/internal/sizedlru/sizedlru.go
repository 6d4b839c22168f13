// Package sizedlru is a least-recently-used cache bounded by the bytes its values hold
// rather than by their number, so one memory budget covers entries of very different sizes.
package sizedlru

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// maxEntries only keeps the LRU's own bookkeeping small; the byte bound does the work.
const maxEntries = 100_000

type item[V any] struct {
	value V
	size  int64
}

// Cache maps keys to values, evicting the least recently used ones while the sizes its
// callers declared exceed the limit. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	limit int64
	mu    sync.Mutex // guards lru and bytes
	lru   *simplelru.LRU[K, item[V]]
	bytes int64
}

// New returns an empty cache holding at most limit bytes.
func New[K comparable, V any](limit int64) *Cache[K, V] {
	c := &Cache[K, V]{limit: limit}
	// The callback runs inside lru's methods, which run under c.mu.
	c.lru, _ = simplelru.NewLRU(maxEntries, func(_ K, it item[V]) { c.bytes -= it.size })
	return c
}

// Get returns the value of key and marks it recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.lru.Get(key)
	return it.value, ok
}

// GetOrAdd returns the value of key, adding make() with size 0 when there is none, so that
// concurrent callers asking for the same key share one value. The caller declares the
// value's size later with Add.
func (c *Cache[K, V]) GetOrAdd(key K, make func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if it, ok := c.lru.Get(key); ok {
		return it.value
	}
	v := make()
	c.lru.Add(key, item[V]{value: v})
	return v
}

// Add stores value under key as holding size bytes, replacing any previous value, then
// evicts the least recently used entries until the cache fits its limit. A value larger
// than the whole limit is not kept.
func (c *Cache[K, V]) Add(key K, value V, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	if size > c.limit {
		return
	}
	c.lru.Add(key, item[V]{value: value, size: size})
	c.bytes += size
	for c.bytes > c.limit {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// Bytes is the sum of the sizes of the values held.
func (c *Cache[K, V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Len is the number of values held.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Values are the values held, least recently used first.
func (c *Cache[K, V]) Values() []V {
	c.mu.Lock()
	defer c.mu.Unlock()
	items := c.lru.Values()
	out := make([]V, len(items))
	for i, it := range items {
		out[i] = it.value
	}
	return out
}
