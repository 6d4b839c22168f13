package synthetic

import (
	"math"
	"testing"
	"time"
)

// testAnchor is a fixed anchor on a minute boundary, so tests do not depend
// on the clock.
var testAnchor = time.Date(2024, 3, 14, 15, 9, 0, 0, time.UTC)

func TestServices(t *testing.T) {
	got := Services()
	want := []string{"checkout", "payments", "catalog"}
	if len(got) != len(want) {
		t.Fatalf("Services() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Services() = %v, want %v", got, want)
		}
	}
	got[0] = "mutated"
	if Services()[0] != "checkout" {
		t.Fatal("Services() returned its internal slice")
	}
}

func TestValueDeterministic(t *testing.T) {
	a := NewScenario(testAnchor)
	b := NewScenario(testAnchor)
	other := NewScenario(testAnchor)
	other.Seed = 2
	differ := 0
	for i := 0; i < 1000; i++ {
		at := testAnchor.Add(-time.Duration(i) * 37 * time.Second)
		for _, svc := range Services() {
			va, vb := a.Value(svc, at), b.Value(svc, at)
			if va != vb || va != a.Value(svc, at) {
				t.Fatalf("Value(%q, %v) not deterministic: %v, %v", svc, at, va, vb)
			}
			if other.Value(svc, at) != va {
				differ++
			}
		}
	}
	if differ < 2900 {
		t.Errorf("changing the seed changed only %d of 3000 values", differ)
	}
}

func TestValueIgnoresLocation(t *testing.T) {
	s := NewScenario(testAnchor)
	loc := time.FixedZone("UTC+5:30", 5*3600+1800)
	at := testAnchor.Add(-17*time.Hour - 1234*time.Millisecond)
	for _, svc := range Services() {
		if u, l := s.Value(svc, at), s.Value(svc, at.In(loc)); u != l {
			t.Errorf("Value(%q) depends on the location: %v in UTC, %v in %v", svc, u, l, loc)
		}
	}
}

func TestNoiseDistribution(t *testing.T) {
	s := NewScenario(testAnchor)
	for _, svc := range Services() {
		const n = 200000
		var sum, sumSq float64
		for i := 0; i < n; i++ {
			at := testAnchor.Add(-time.Duration(i) * time.Second)
			z := (s.Normal(svc, at) - s.Expected(svc, at)) / s.NoiseSD
			sum += z
			sumSq += z * z
		}
		mean := sum / n
		sd := math.Sqrt(sumSq/n - mean*mean)
		// Standard error of the mean is 1/sqrt(n) ≈ 0.0022.
		if math.Abs(mean) > 0.01 || math.Abs(sd-1) > 0.01 {
			t.Errorf("%s: noise mean %.4f sd %.4f, want ≈0 and ≈1", svc, mean, sd)
		}
	}
}

func TestNoiseConstantWithinSecond(t *testing.T) {
	s := NewScenario(testAnchor)
	at := testAnchor.Add(-time.Hour)
	n0 := s.Normal("catalog", at) - s.Expected("catalog", at)
	later := at.Add(999 * time.Millisecond)
	n1 := s.Normal("catalog", later) - s.Expected("catalog", later)
	if math.Abs(n0-n1) > 1e-9 {
		t.Errorf("noise changed within one second: %v then %v", n0, n1)
	}
}

func TestExpectedContinuous(t *testing.T) {
	s := NewScenario(testAnchor)
	// The steepest slope is (1+0.4)·Amplitude·2π/86400 per second, about
	// 0.004/s, so 10 ms can move the value by well under 1e-4.
	for i := 0; i < 86400; i += 61 {
		at := testAnchor.Add(time.Duration(i) * time.Second)
		for _, svc := range Services() {
			if d := math.Abs(s.Expected(svc, at.Add(10*time.Millisecond)) - s.Expected(svc, at)); d > 1e-4 {
				t.Fatalf("Expected(%q) jumps by %v within 10ms at %v", svc, d, at)
			}
		}
	}
}

func TestSeasonality(t *testing.T) {
	s := NewScenario(testAnchor)
	midnight := testAnchor.Truncate(day)
	for _, svc := range Services() {
		t.Run(svc, func(t *testing.T) {
			var peakAt, troughAt time.Time
			peak, trough := math.Inf(-1), math.Inf(1)
			for m := 0; m < 1440; m++ {
				at := midnight.Add(time.Duration(m) * time.Minute)
				v := s.Expected(svc, at)
				if v > peak {
					peak, peakAt = v, at
				}
				if v < trough {
					trough, troughAt = v, at
				}
			}
			if peak-trough < 1.5*s.Amplitude {
				t.Errorf("daily range %.1f, want at least %.1f", peak-trough, 1.5*s.Amplitude)
			}
			// The cycle must dominate the noise at the sampled values too.
			if vp, vt := s.Normal(svc, peakAt), s.Normal(svc, troughAt); vp-vt < 20*s.NoiseSD {
				t.Errorf("value at peak %v = %.1f, at trough %v = %.1f: cycle does not dominate noise", peakAt, vp, troughAt, vt)
			}
			// Same time of day, one day apart: equal expectation.
			if d := s.Expected(svc, peakAt.Add(-day)) - peak; math.Abs(d) > 1e-9 {
				t.Errorf("expectation differs by %v one day apart", d)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	s := NewScenario(testAnchor)
	spikeStart := testAnchor.Add(-SpikeOffset)
	shiftStart := testAnchor.Add(-ShiftOffset)
	tests := []struct {
		name    string
		service string
		at      time.Time
		want    float64 // expected Value - Normal
	}{
		{"checkout before spike", "checkout", spikeStart.Add(-time.Second), 0},
		{"checkout spike start", "checkout", spikeStart, SpikeMagnitude},
		{"checkout spike last minute", "checkout", spikeStart.Add(2 * time.Minute), SpikeMagnitude},
		{"checkout spike last instant", "checkout", spikeStart.Add(SpikeDuration - time.Nanosecond), SpikeMagnitude},
		{"checkout spike end", "checkout", spikeStart.Add(SpikeDuration), 0},
		{"checkout at anchor", "checkout", testAnchor, 0},
		{"payments before shift", "payments", shiftStart.Add(-time.Minute), 0},
		{"payments during spike", "payments", spikeStart.Add(time.Minute), 0},
		{"payments shift start", "payments", shiftStart, ShiftMagnitude},
		{"payments at anchor", "payments", testAnchor, ShiftMagnitude},
		{"payments a month later", "payments", testAnchor.Add(30 * day), ShiftMagnitude},
		{"catalog during spike", "catalog", spikeStart.Add(time.Minute), 0},
		{"catalog during shift", "catalog", testAnchor, 0},
		{"unknown service", "search", spikeStart, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delta := s.Value(tt.service, tt.at) - s.Normal(tt.service, tt.at)
			if math.Abs(delta-tt.want) > 1e-9 {
				t.Errorf("Value - Normal = %v, want %v", delta, tt.want)
			}
			if got, want := s.InFault(tt.service, tt.at), tt.want != 0; got != want {
				t.Errorf("InFault = %v, want %v", got, want)
			}
		})
	}
}

func TestFaultsList(t *testing.T) {
	s := NewScenario(testAnchor)
	faults := s.Faults()
	if len(faults) != 2 {
		t.Fatalf("got %d faults, want 2", len(faults))
	}
	spike, shift := faults[0], faults[1]
	if spike.Service != "checkout" || spike.Kind != KindSpike || !spike.Start.Equal(testAnchor.Add(-3*time.Hour)) ||
		spike.End.Sub(spike.Start) != 3*time.Minute || spike.Magnitude != 60 {
		t.Errorf("spike = %+v", spike)
	}
	if shift.Service != "payments" || shift.Kind != KindLevelShift || !shift.Start.Equal(testAnchor.Add(-90*time.Minute)) ||
		!shift.End.IsZero() || shift.Magnitude != 50 {
		t.Errorf("shift = %+v", shift)
	}
}
