package fitcache

import (
	"errors"
	"math"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/forecast"
)

// counting wraps the engine to count the fits the cache lets through.
func counting(c *Cache) *int {
	n := new(int)
	c.fit = func(v []float64, cfg forecast.Config) (forecast.Result, error) {
		*n++
		return forecast.Forecast(v, cfg)
	}
	return n
}

func TestFitsOncePerInput(t *testing.T) {
	base := []float64{1, 2, math.NaN(), 4, 5, 6}
	cfg := forecast.Config{Horizon: 3, Levels: []float64{0.95}}
	revised := func(i int, v float64) []float64 {
		out := append([]float64(nil), base...)
		out[i] = v
		return out
	}
	tests := []struct {
		name   string
		values []float64
		cfg    forecast.Config
		want   Outcome
	}{
		{"first", base, cfg, Miss},
		{"same input", base, cfg, Hit},
		{"same values, new slice", append([]float64(nil), base...), cfg, Hit},
		{"last value revised", revised(5, 6.5), cfg, Miss},
		{"one more point", append(append([]float64(nil), base...), 7), cfg, Miss},
		{"longer horizon", base, forecast.Config{Horizon: 4, Levels: []float64{0.95}}, Miss},
		{"other level", base, forecast.Config{Horizon: 3, Levels: []float64{0.8}}, Miss},
		{"given period", base, forecast.Config{Horizon: 3, Periods: []int{2}, Levels: []float64{0.95}}, Miss},
		{"first again", base, cfg, Hit},
	}
	c := New(0)
	fits := counting(c)
	misses := 0
	for _, tc := range tests {
		res, got, err := c.Forecast(tc.values, tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if len(res.Mean) != tc.cfg.Horizon {
			t.Errorf("%s: %d steps forecast, want %d", tc.name, len(res.Mean), tc.cfg.Horizon)
		}
		if got == Miss {
			misses++
		}
	}
	if *fits != misses {
		t.Errorf("%d fits for %d misses", *fits, misses)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c := New(0)
	fits := counting(c)
	nan := []float64{math.NaN(), math.NaN()}
	for range 2 {
		if _, _, err := c.Forecast(nan, forecast.Config{Horizon: 1}); !errors.Is(err, forecast.ErrNoData) {
			t.Fatalf("error %v, want ErrNoData", err)
		}
	}
	if *fits != 2 || c.CachedBytes() != 0 {
		t.Errorf("%d fits, %d bytes cached", *fits, c.CachedBytes())
	}
}

func TestBounded(t *testing.T) {
	c := New(64 << 10)
	v := make([]float64, 100)
	for i := range 200 {
		v[0] = float64(i)
		if _, _, err := c.Forecast(v, forecast.Config{Horizon: 500, Levels: []float64{0.8, 0.95}}); err != nil {
			t.Fatal(err)
		}
		if b := c.CachedBytes(); b > 64<<10 {
			t.Fatalf("%d bytes cached", b)
		}
	}
}
