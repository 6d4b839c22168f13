package forecast

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// daily is an hourly-like series: level, daily sine, optional weekly modulation, noise.
func daily(n int, weekly bool, noise float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	y := make([]float64, n)
	for t := range y {
		v := 100 + 20*math.Sin(2*math.Pi*float64(t)/24)
		if weekly && (t/24)%7 >= 5 {
			v -= 30
		}
		y[t] = v + noise*r.NormFloat64()
	}
	return y
}

func TestForecastKnownAnswers(t *testing.T) {
	tests := []struct {
		name    string
		y       []float64
		horizon int
		truth   func(h int) float64
		maxMAE  float64
	}{
		{"constant", constant(200, 5), 10, func(int) float64 { return 5 }, 1e-9},
		{"daily sine", daily(960, false, 1, 1), 48, func(h int) float64 { return 100 + 20*math.Sin(2*math.Pi*float64(960+h)/24) }, 1.5},
		{"weekly pattern", daily(960, true, 1, 2), 48, func(h int) float64 {
			t := 960 + h
			v := 100 + 20*math.Sin(2*math.Pi*float64(t)/24)
			if (t/24)%7 >= 5 {
				v -= 30
			}
			return v
		}, 3},
		{"straight line", line(300, 10, 0.5), 20, func(h int) float64 { return 10 + 0.5*float64(300+h) }, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Horizon = tc.horizon
			res, err := Forecast(tc.y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var mae float64
			for h, f := range res.Mean {
				mae += math.Abs(f-tc.truth(h)) / float64(tc.horizon)
			}
			if mae > tc.maxMAE {
				t.Errorf("%s: mean absolute error %.3f over %.3f", res.Model, mae, tc.maxMAE)
			}
			checkShape(t, res, tc.horizon)
		})
	}
}

func constant(n int, v float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = v
	}
	return y
}

func line(n int, a, b float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = a + b*float64(i)
	}
	return y
}

// checkShape asserts every output has the horizon's length and the intervals nest.
func checkShape(t *testing.T, res Result, horizon int) {
	t.Helper()
	if len(res.Mean) != horizon || len(res.Intervals) != 2 {
		t.Fatalf("got %d steps and %d intervals, want %d and 2", len(res.Mean), len(res.Intervals), horizon)
	}
	i80, _ := res.Interval(0.8)
	i95, _ := res.Interval(0.95)
	for h, f := range res.Mean {
		if !(i95.Lower[h] <= i80.Lower[h] && i80.Lower[h] <= f+1e-9 && f <= i80.Upper[h]+1e-9 && i80.Upper[h] <= i95.Upper[h]) {
			t.Fatalf("step %d: 95%% [%g, %g], 80%% [%g, %g], mean %g do not nest", h, i95.Lower[h], i95.Upper[h], i80.Lower[h], i80.Upper[h], f)
		}
	}
}

func TestForecastIntervalsCover(t *testing.T) {
	// Noisy daily series: the truth should fall inside the 95 % band about 95 % of the time.
	inside, total := 0, 0
	for seed := range uint64(20) {
		y := daily(1008, false, 5, seed)
		cfg := DefaultConfig()
		cfg.Horizon = 48
		res, err := Forecast(y[:960], cfg)
		if err != nil {
			t.Fatal(err)
		}
		iv, _ := res.Interval(0.95)
		for h, v := range y[960:] {
			total++
			if v >= iv.Lower[h] && v <= iv.Upper[h] {
				inside++
			}
		}
	}
	if cov := float64(inside) / float64(total); cov < 0.85 || cov > 0.995 {
		t.Errorf("95%% interval covered %.3f of the points", cov)
	}
}

func TestForecastEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		y         []float64
		horizon   int
		wantErr   string
		wantModel string
		want      []float64
	}{
		{"no data", []float64{nan, nan}, 3, "no observed values", "", nil},
		{"one value", []float64{7}, 2, "", "too short", []float64{7, 7}},
		{"three values", []float64{1, 2, 3}, 2, "", "too short", []float64{3, 3}},
		{"leading and inner gaps", append([]float64{nan, nan}, withGaps(daily(500, false, 1, 3), 100, 130)...), 5, "", "", nil},
		{"trailing gaps shift the start", append(daily(480, false, 0, 4), nan, nan), 24, "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Horizon = tc.horizon
			res, err := Forecast(tc.y, cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, res, tc.horizon)
			if !strings.Contains(res.Model, tc.wantModel) {
				t.Errorf("model %q, want it to mention %q", res.Model, tc.wantModel)
			}
			for h, f := range res.Mean {
				if !isFinite(f) || (tc.want != nil && f != tc.want[h]) {
					t.Fatalf("step %d: %v (want %v)", h, f, tc.want)
				}
			}
		})
	}
}

func TestTrailingGapsAlignTheForecast(t *testing.T) {
	y := daily(480, false, 0, 4)
	withTrail := append(append([]float64(nil), y[:478]...), math.NaN(), math.NaN())
	cfg := DefaultConfig()
	cfg.Horizon = 24
	a, err := Forecast(y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Forecast(withTrail, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for h := range a.Mean {
		if math.Abs(a.Mean[h]-b.Mean[h]) > 1 {
			t.Fatalf("step %d: %.2f without the gap, %.2f with the last two values missing", h, a.Mean[h], b.Mean[h])
		}
	}
}

func withGaps(y []float64, from, to int) []float64 {
	for i := from; i < to; i++ {
		y[i] = math.NaN()
	}
	return y
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero horizon", Config{Horizon: 0}, "horizon 0"},
		{"huge horizon", Config{Horizon: MaxHorizon + 1}, "horizon"},
		{"period 0", Config{Horizon: 1, Periods: []int{0}}, "period 0"},
		{"level 1", Config{Horizon: 1, Levels: []float64{1}}, "level 1"},
		{"level 0", Config{Horizon: 1, Levels: []float64{0}}, "level 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Forecast([]float64{1, 2, 3}, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDetectPeriods(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	noise := make([]float64, 1000)
	for i := range noise {
		noise[i] = r.NormFloat64()
	}
	tests := []struct {
		name string
		y    []float64
		want []int
	}{
		{"daily", daily(960, false, 1, 5), []int{24}},
		{"weekly dominates daily", daily(24*7*5, true, 1, 6), []int{168}},
		{"white noise", noise, nil},
		{"too short", daily(50, false, 0, 7), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := detectPeriods(tc.y); joinInts(got) != joinInts(tc.want) {
				t.Errorf("periods %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNoSeasonForbidsCycles(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Periods = NoSeason
	res, err := Forecast(daily(480, false, 1, 8), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Periods) != 0 || strings.Contains(res.Model, "period") {
		t.Errorf("model %q with periods %v, want no seasonality", res.Model, res.Periods)
	}
}
