package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bump is a distinctive shape to plant in a history.
var bump = []float64{0, 2, 7, 4, 9, 3, 1, 0}

// noisyHistory is n values of small noise with bump planted at position at (if at ≥ 0).
func noisyHistory(n, at int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	h := make([]float64, n)
	for i := range h {
		h[i] = 0.1 * rng.NormFloat64()
	}
	if at >= 0 {
		for j, b := range bump {
			h[at+j] += b
		}
	}
	return h
}

func TestShapeNovelty(t *testing.T) {
	const at = 300
	// planted is the shape ending with the planted bump: 8 values of noise, then the bump.
	planted := func(h []float64) []float64 { return h[at+len(bump)-shapeLen : at+len(bump)] }
	doubled := func(h []float64) []float64 {
		out := append([]float64(nil), planted(h)...)
		for j, b := range bump {
			out[shapeLen-len(bump)+j] += b
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		history []float64
		end     func(h []float64) []float64 // appended to the history; the judged shape ends with it
		wantLo  float64
		wantHi  float64
	}{
		{"exact repeat", noisyHistory(1000, at, 1), planted, shapeMin, shapeMin},
		{"same shape, twice the size", noisyHistory(1000, at, 1), doubled, shapeMax, shapeMax},
		{"never seen", noisyHistory(1000, -1, 1), func([]float64) []float64 { return bump }, shapeMax, shapeMax},
		{"too little history", noisyHistory(40, -1, 1), func([]float64) []float64 { return make([]float64, 8) }, shapeMax, shapeMax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s shapeMemory
			for _, v := range tc.history {
				s.add(v)
			}
			for _, v := range append([]float64(nil), tc.end(tc.history)...) {
				s.add(v)
			}
			if got := s.novelty(); got < tc.wantLo || got > tc.wantHi {
				t.Errorf("novelty = %.3f, want in [%v, %v]", got, tc.wantLo, tc.wantHi)
			}
		})
	}
}

// TestShapeWeigh: a repeat takes surprise away, a new shape adds a little, never below 0.
func TestShapeWeigh(t *testing.T) {
	var repeat, fresh shapeMemory
	for _, v := range noisyHistory(1000, 300, 3) {
		repeat.add(v)
		fresh.add(v)
	}
	for _, b := range bump {
		repeat.add(b)
		fresh.add(-b)
	}
	if got := repeat.weigh(4); got >= 4 {
		t.Errorf("repeat: weigh(4) = %.2f, want less than 4", got)
	}
	if got, want := fresh.weigh(4), 4+shapeWeight*math.Log10(shapeMax); math.Abs(got-want) > 1e-9 {
		t.Errorf("new shape: weigh(4) = %.2f, want %.2f", got, want)
	}
	if got := repeat.weigh(0.5); got < 0 {
		t.Errorf("weigh(0.5) = %.2f, want ≥ 0", got)
	}
}

// TestShapeMemorySlides: the window keeps the last shapeMemoryLen values and its step sum
// matches a recount, across several slides of the buffer.
func TestShapeMemorySlides(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var s shapeMemory
	all := make([]float64, 0, 3*shapeMemoryLen+123)
	for range cap(all) {
		v := 1e6 + 1000*rng.NormFloat64()
		all = append(all, v)
		s.add(v)
	}
	w := s.window()
	want := all[len(all)-shapeMemoryLen:]
	if len(w) != len(want) || w[0] != want[0] || w[len(w)-1] != want[len(want)-1] {
		t.Fatalf("window holds %d values from %v to %v, want %d from %v to %v", len(w), w[0], w[len(w)-1], len(want), want[0], want[len(want)-1])
	}
	steps := 0.0
	for k := 1; k < len(want); k++ {
		steps += math.Abs(want[k] - want[k-1])
	}
	if math.Abs(s.steps-steps) > 1e-6*steps {
		t.Errorf("step sum %.6f, recount %.6f", s.steps, steps)
	}
	c := s.cloneInto(shapeMemory{})
	c.add(0)
	if s.window()[len(s.window())-1] == 0 {
		t.Error("adding to a clone changed the original")
	}
}

// TestModelWeighsRepeatedBursts: the same burst is less surprising the second time, though
// its value is as rare.
func TestModelWeighsRepeatedBursts(t *testing.T) {
	h := noisyHistory(3000, -1, 5)
	for _, at := range []int{1200, 2400} {
		for j, b := range bump {
			h[at+j] += b
		}
	}
	m := NewModel(Config{Seasonality: SeasonalityNone, Sensitivity: DefaultSensitivity})
	var first, second Point
	for i, v := range h {
		p := m.Update(int64(i)*minute, v)
		switch i {
		case 1200 + 4: // the bump's peak
			first = p
		case 2400 + 4:
			second = p
		}
	}
	if first.Surprise <= first.Rarity {
		t.Errorf("first burst: surprise %.2f, want above its rarity %.2f (a new shape)", first.Surprise, first.Rarity)
	}
	if second.Surprise >= first.Surprise-1 {
		t.Errorf("second burst: surprise %.2f, want well below the first's %.2f", second.Surprise, first.Surprise)
	}
}

// TestShapeMemorySkipsInfinities: an infinite value is not remembered, so later judgements
// stay finite.
func TestShapeMemorySkipsInfinities(t *testing.T) {
	var s shapeMemory
	for i, v := range noisyHistory(500, 100, 6) {
		if i == 200 {
			s.add(math.Inf(1))
		}
		s.add(v)
	}
	if got := s.weigh(4); math.IsNaN(got) || math.IsInf(got, 0) {
		t.Errorf("weigh after an infinite value = %v, want finite", got)
	}
	if len(s.window()) != 500 {
		t.Errorf("window holds %d values, want the 500 finite ones", len(s.window()))
	}
}

// TestShapeNoveltyMatchesBruteForce: the pruned search (lower bound, early abandoning, the
// last lag tried first) finds exactly the nearest shape a plain scan finds, on series where
// pruning is easy (a walk at a high level) and hard (noise), across the buffer's slides.
func TestShapeNoveltyMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level float64
		walk  float64 // step of a random walk under the noise
		sine  float64 // amplitude of a sine under the noise
	}{
		{"noise", 0, 0, 0},
		{"walk far from zero", 1e6, 1, 0},
		{"noisy sine", 100, 0, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			var s shapeMemory
			x := tc.level
			for i := range 3 * (shapeMemoryLen + shapeSlack) {
				x += tc.walk * rng.NormFloat64()
				v := x + rng.NormFloat64() + tc.sine*math.Sin(float64(i)/30)
				s.add(v)
				if i%97 != 0 || i < 4*shapeLen {
					continue
				}
				if got, want := s.novelty(), bruteNovelty(s.window(), s.steps); math.Abs(got-want) > 1e-9*want {
					t.Fatalf("value %d: novelty %v, brute force %v", i, got, want)
				}
			}
		})
	}
}

func bruteNovelty(h []float64, steps float64) float64 {
	n := len(h)
	cur := h[n-shapeLen:]
	best := math.Inf(1)
	for end := shapeLen; end <= n-shapeLen; end++ {
		d := 0.0
		for j, v := range h[end-shapeLen : end] {
			d += (v - cur[j]) * (v - cur[j])
		}
		best = min(best, d)
	}
	unit := steps / float64(n-1)
	return max(shapeMin, min(shapeMax, math.Sqrt(best/shapeLen)/unit))
}
