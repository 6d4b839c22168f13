// Package fitcache remembers forecasts by their exact input, so that a dashboard refresh
// that brings no new point, or the same query in two panels, does not refit the models.
//
// The key is the forecast's input itself (a hash of the values and the configuration), not
// the time of the last point: a refresh within the same step often changes the value of
// the last, provisional point, and must then refit.
package fitcache

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"

	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/internal/sizedlru"
)

// DefaultBytes is the memory the cache may hold unless told otherwise.
const DefaultBytes = 32 << 20

// Outcome says whether a forecast came from the cache.
type Outcome string

// Outcomes.
const (
	Hit  Outcome = "hit"
	Miss Outcome = "miss"
)

// Cache holds forecasts by input. It is safe for concurrent use.
type Cache struct {
	lru *sizedlru.Cache[string, forecast.Result]
	// Two independently seeded 64-bit hashes make an accidental collision, which would
	// show one series the forecast of another, negligible.
	seeds [2]maphash.Seed
	fit   func([]float64, forecast.Config) (forecast.Result, error)
}

// New returns an empty cache holding at most bytes (DefaultBytes when bytes <= 0).
func New(bytes int64) *Cache {
	if bytes <= 0 {
		bytes = DefaultBytes
	}
	return &Cache{lru: sizedlru.New[string, forecast.Result](bytes), seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, fit: forecast.Forecast}
}

// Forecast returns forecast.Forecast(values, cfg), from the cache when the same values were
// forecast with the same configuration before. The result is shared with the cache: callers
// must not change it. Errors are not cached.
func (c *Cache) Forecast(values []float64, cfg forecast.Config) (forecast.Result, Outcome, error) {
	key := c.key(values, cfg)
	if res, ok := c.lru.Get(key); ok {
		return res, Hit, nil
	}
	res, err := c.fit(values, cfg)
	if err != nil {
		return forecast.Result{}, Miss, err
	}
	c.lru.Add(key, res, sizeBytes(res))
	return res, Miss, nil
}

// CachedBytes is the memory the cache accounts for.
func (c *Cache) CachedBytes() int64 { return c.lru.Bytes() }

func (c *Cache) key(values []float64, cfg forecast.Config) string {
	var sums [2]uint64
	buf := make([]byte, 0, 8*512)
	for k, seed := range c.seeds {
		var h maphash.Hash
		h.SetSeed(seed)
		for i := 0; i < len(values); i += 512 {
			buf = buf[:0]
			for _, v := range values[i:min(i+512, len(values))] {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
			h.Write(buf)
		}
		sums[k] = h.Sum64()
	}
	return fmt.Sprintf("%d|%016x%016x|%d|%v|%v", len(values), sums[0], sums[1], cfg.Horizon, cfg.Periods, cfg.Levels)
}

func sizeBytes(r forecast.Result) int64 {
	size := int64(128 + len(r.Model) + 8*len(r.Periods) + 8*len(r.Mean))
	for _, iv := range r.Intervals {
		size += 64 + 8*int64(len(iv.Lower)+len(iv.Upper))
	}
	return size
}
