package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestETSRecoversSmoothing simulates ETS(A,N,N) with a known α and checks the fit finds it.
func TestETSRecoversSmoothing(t *testing.T) {
	for _, alpha := range []float64{0.1, 0.5, 0.9} {
		r := rand.New(rand.NewPCG(uint64(alpha*10), 2))
		y := make([]float64, 2000)
		level := 50.0
		for i := range y {
			e := r.NormFloat64()
			y[i] = level + e
			level += alpha * e
		}
		m, ok := fitETS(y, etsSpec{})
		if !ok {
			t.Fatalf("α=%v: no fit", alpha)
		}
		if math.Abs(m.par.alpha-alpha) > 0.06 {
			t.Errorf("α=%v: fitted %.3f", alpha, m.par.alpha)
		}
	}
}

// TestETSSeasonalFollowsTheCycle: on a clean seasonal series every seasonal spec forecasts
// the cycle.
func TestETSSeasonalFollowsTheCycle(t *testing.T) {
	y := daily(24*20, false, 0.5, 3)
	for _, spec := range etsSpecs([]int{24}, true) {
		m, ok := fitETS(y, spec)
		if !ok {
			t.Fatalf("%v: no fit", spec)
		}
		out := make([]float64, 24)
		etsMethod{m}.forecast(y, len(y), out)
		for h, f := range out {
			want := 100 + 20*math.Sin(2*math.Pi*float64(len(y)+h)/24)
			if math.Abs(f-want) > 3 {
				t.Fatalf("%v step %d: %.2f, want %.2f", spec, h, f, want)
			}
		}
	}
}

// TestTheta: on a straight line SES tracks the last value and Theta adds half the slope.
func TestTheta(t *testing.T) {
	y := line(100, 0, 2)
	m, ok := fitTheta(y, nil, false)
	if !ok {
		t.Fatal("no fit")
	}
	out := make([]float64, 3)
	m.forecast(y, len(y), out)
	for h, f := range out {
		// SES with α near 1 sits at the last value (198); the drift adds 1 per step plus
		// the lag correction of SES.
		if f < 198+float64(h+1)-1 || f > 198+float64(h+1)+2 {
			t.Errorf("step %d: %.2f", h+1, f)
		}
	}
}

func TestSeasonalNaive(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6}
	out := make([]float64, 5)
	seasonalNaive{3}.forecast(y, len(y), out)
	want := []float64{4, 5, 6, 4, 5}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("got %v, want %v", out, want)
		}
	}
}

func TestClassicalSeasonal(t *testing.T) {
	// A clean multiplicative cycle ×(0.5, 1.5) around a constant: the indices come back.
	y := make([]float64, 40)
	for i := range y {
		y[i] = 10 * []float64{0.5, 1.5}[i%2]
	}
	s := classicalSeasonal(y, 2, true)
	if math.Abs(s[0]-0.5) > 1e-9 || math.Abs(s[1]-1.5) > 1e-9 {
		t.Errorf("indices %v, want [0.5 1.5]", s)
	}
}

func TestTimeToThreshold(t *testing.T) {
	res := Result{
		Mean:      []float64{10, 20, 30, 40},
		Intervals: []Interval{{Level: 0.95, Lower: []float64{5, 10, 15, 20}, Upper: []float64{15, 30, 45, 60}}},
	}
	inf := math.Inf(1)
	tests := []struct {
		name      string
		last, thr float64
		want      Crossing
	}{
		{"rising", 0, 25, Crossing{Rising: true, Mean: 2.5, Earliest: 1 + 10.0/15, Latest: inf}},
		{"already there", 25, 25, Crossing{Rising: true}},
		{"falling never", 50, -1, Crossing{Rising: false, Mean: inf, Earliest: inf, Latest: inf}},
		{"falling", 50, 12, Crossing{Rising: false, Mean: 0.95, Earliest: 38.0 / 45, Latest: inf}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := res.TimeToThreshold(tc.last, tc.thr, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Mean-tc.want.Mean) > 1e-9 && got.Mean != tc.want.Mean || got.Rising != tc.want.Rising ||
				math.Abs(got.Earliest-tc.want.Earliest) > 1e-9 && got.Earliest != tc.want.Earliest ||
				math.Abs(got.Latest-tc.want.Latest) > 1e-9 && got.Latest != tc.want.Latest {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := res.TimeToThreshold(0, 1, 0.8); err == nil {
		t.Error("no error for a level without an interval")
	}
}

func BenchmarkForecast(b *testing.B) {
	y := daily(960, true, 5, 1)
	cfg := DefaultConfig()
	cfg.Horizon = 48
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Forecast(y, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForecastLongCycle is a panel-sized series: 11 days at a 5-minute step, a daily
// cycle of 288 steps.
func BenchmarkForecastLongCycle(b *testing.B) {
	y := make([]float64, 288*11)
	for t := range y {
		y[t] = 100 + 20*math.Sin(2*math.Pi*float64(t)/288) + float64(t%7)
	}
	cfg := DefaultConfig()
	cfg.Horizon = 288
	for b.Loop() {
		if _, err := Forecast(y, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
