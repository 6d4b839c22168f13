package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestThresholdAt(t *testing.T) {
	const base = 3.0
	tests := []struct {
		name string
		step int64
		want float64
	}{
		{"reference step", 5 * minute, base},
		{"one minute: five chances per reference step", minute, base + math.Log10(5)},
		{"hourly: one chance in twelve", 60 * minute, base - math.Log10(12)},
		{"seconds count as a minute", 1000, base + math.Log10(5)},
		{"daily: floored at the least threshold", day, minThreshold},
		{"weekly counts as daily", 7 * day, minThreshold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := thresholdAt(base, tt.step); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("thresholdAt(%v, %d ms) = %v, want %v", base, tt.step, got, tt.want)
			}
		})
	}
}

func TestStepClock(t *testing.T) {
	tests := []struct {
		name  string
		times []int64
		want  int64
	}{
		{"regular", ramp(0, 5*minute, 16), 5 * minute},
		{"gaps and jitter do not move the median", append(ramp(0, minute, 10), 10*minute+1000, 30*minute, 31*minute, 32*minute, 33*minute, 34*minute), minute},
		{"steps backwards are ignored", append(ramp(0, 5*minute, 8), 20*minute, 40*minute, 45*minute, 50*minute, 55*minute, 60*minute, 65*minute, 70*minute, 75*minute), 5 * minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c stepClock
			for _, ts := range tt.times {
				c.tick(ts)
			}
			if !c.known() {
				t.Fatalf("step unknown after %d time stamps", len(tt.times))
			}
			if got := c.step(); got != tt.want {
				t.Errorf("step = %d ms, want %d", got, tt.want)
			}
		})
	}
}

func ramp(from, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)*step
	}
	return out
}

// TestFinerStepFlagsLessPerPoint: the same values at a one-minute step come five times as
// often as at five minutes, so each must be rarer to be flagged, and the band is wider.
func TestFinerStepFlagsLessPerPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	values := make([]float64, 20000)
	for i := range values {
		values[i] = 100 + 5*rng.NormFloat64()
		if rng.IntN(500) == 0 { // occasional bursts of every size
			values[i] += 10 * rng.ExpFloat64()
		}
	}
	run := func(step int64) (flags int, half float64, thr float64) {
		m := NewModel(Config{Seasonality: SeasonalityNone, Sensitivity: DefaultSensitivity})
		for i, v := range values {
			p := m.Update(int64(i)*step, v)
			if p.Anomaly != 0 {
				flags++
			}
			half = (p.Upper - p.Lower) / 2
		}
		return flags, half, m.Threshold()
	}
	fineFlags, fineHalf, fineThr := run(minute)
	refFlags, refHalf, refThr := run(5 * minute)
	if want := DefaultConfig().Threshold(); refThr != want {
		t.Errorf("threshold at the reference step = %v, want the configured %v", refThr, want)
	}
	if fineThr <= refThr {
		t.Errorf("threshold at one minute %v, want above the five-minute %v", fineThr, refThr)
	}
	if fineHalf <= refHalf {
		t.Errorf("band half-width at one minute %.2f, want wider than at five minutes (%.2f)", fineHalf, refHalf)
	}
	if fineFlags >= refFlags {
		t.Errorf("%d flags at one minute, want fewer than the %d at five minutes", fineFlags, refFlags)
	}
	t.Logf("one minute: threshold %.2f, half-width %.2f, %d flags; five minutes: %.2f, %.2f, %d", fineThr, fineHalf, fineFlags, refThr, refHalf, refFlags)
}
