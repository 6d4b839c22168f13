package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/series"
)

const minute = int64(time.Minute / time.Millisecond)

// synth builds n points at step ms from t0 with value f(t) plus Gaussian noise of sd.
func synth(n int, step int64, sd float64, seed uint64, f func(t int64) float64) series.Series {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := series.Series{Times: make([]int64, n), Values: make([]float64, n)}
	t0 := int64(1_700_000_000_000) / step * step
	for i := range n {
		t := t0 + int64(i)*step
		s.Times[i] = t
		s.Values[i] = f(t) + sd*rng.NormFloat64()
	}
	return s
}

func dailySine(t int64) float64 {
	return 100 + 40*math.Sin(2*math.Pi*float64(t%day)/float64(day))
}

func weekdayPattern(t int64) float64 {
	v := dailySine(t)
	if d := (t / day) % 7; d == 2 || d == 3 { // two quiet days a week
		v -= 50
	}
	return v
}

func TestPeriodDetection(t *testing.T) {
	tests := []struct {
		name string
		s    series.Series
		want time.Duration
	}{
		{"white noise", synth(7*1440, minute, 5, 1, func(int64) float64 { return 10 }), 0},
		{"daily sine", synth(7*1440, minute, 5, 2, dailySine), 24 * time.Hour},
		{"daily sine at 5 minutes", synth(7*288, 5*minute, 5, 3, dailySine), 24 * time.Hour},
		{"weekly pattern", synth(21*288, 5*minute, 3, 4, weekdayPattern), 7 * 24 * time.Hour},
		{"random walk", randomWalk(7*1440, 5), 0},
		{"too short for a day", synth(1440, minute, 5, 6, dailySine), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, m, err := Detect(tc.s, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Period(); got != tc.want {
				t.Errorf("period = %v, want %v", got, tc.want)
			}
		})
	}
}

func randomWalk(n int, seed uint64) series.Series {
	s := synth(n, minute, 1, seed, func(int64) float64 { return 0 })
	for i := 1; i < n; i++ {
		s.Values[i] += s.Values[i-1]
	}
	return s
}

func TestFixedSeasonalityIsHonoured(t *testing.T) {
	s := synth(3*1440, minute, 5, 7, func(int64) float64 { return 10 })
	_, m, _ := Detect(s, Config{Seasonality: SeasonalityWeekly, Sensitivity: 0.5})
	if m.Period() != 0 {
		t.Errorf("weekly with 3 days of data: period = %v, want 0 until a full week is seen", m.Period())
	}
	_, m, _ = Detect(s, Config{Seasonality: SeasonalityDaily, Sensitivity: 0.5})
	if m.Period() != 24*time.Hour {
		t.Errorf("daily: period = %v, want 24h", m.Period())
	}
	_, m, _ = Detect(synth(7*1440, minute, 5, 8, dailySine), Config{Seasonality: SeasonalityNone, Sensitivity: 0.5})
	if m.Period() != 0 {
		t.Errorf("none: period = %v, want 0", m.Period())
	}
}

// detectDaily runs the default model over s, which must show it a daily period.
func detectDaily(t *testing.T, s series.Series) Result {
	t.Helper()
	r, m, err := Detect(s, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if m.Period() != 24*time.Hour {
		t.Fatalf("period = %v, want 24h", m.Period())
	}
	return r
}

// TestFlagsInjectedFaults checks the behaviour users see: on a noisy daily cycle, injected
// spikes and a level shift are flagged while ordinary points stay inside the band.
func TestFlagsInjectedFaults(t *testing.T) {
	s := synth(8*1440, minute, 2, 9, dailySine)
	spikeAt := 7*1440 + 100
	shiftAt := 7*1440 + 600
	for i := spikeAt; i < spikeAt+3; i++ {
		s.Values[i] += 60
	}
	for i := shiftAt; i < len(s.Values); i++ {
		s.Values[i] += 50
	}
	r := detectDaily(t, s)
	for i := spikeAt; i < spikeAt+3; i++ {
		if r.Anomaly[i] != 1 {
			t.Errorf("spike point %d not flagged (score %.2f)", i, r.Score[i])
		}
	}
	for i := shiftAt; i < shiftAt+10; i++ {
		if r.Anomaly[i] != 1 {
			t.Errorf("level-shift point %d not flagged (score %.2f)", i, r.Score[i])
		}
	}
	// Normal points after the model has settled (day 3 onwards, away from the faults).
	var outside, total int
	for i := 3 * 1440; i < spikeAt; i++ {
		total++
		if r.Anomaly[i] != 0 {
			outside++
		}
	}
	if frac := float64(outside) / float64(total); frac > 0.001 {
		t.Errorf("%d of %d normal points outside the band (%.4f), want at most 0.1%%", outside, total, frac)
	}
}

// waveLow and waveHigh are dailyWave's night and day levels.
const waveLow, waveHigh = 20.0, 80.0

// dailyWave is ten days shaped like NAB's art_daily_* series, at five-minute steps: quiet at
// waveLow by night, busy and noisier at waveHigh by day. From day quietFrom on (none when
// negative) the busy half never comes; missedFrom is then its first point, else -1.
func dailyWave(quietFrom int) (s series.Series, perDay, missedFrom int) {
	step := 5 * minute
	perDay = int(day / step)
	s = synth(10*perDay, step, 1, 3, func(t int64) float64 { return waveLow })
	rng := rand.New(rand.NewPCG(4, 1))
	missedFrom = -1
	for i, ts := range s.Times {
		if ph := ts % day; ph < 3*day/8 || ph >= 3*day/4 {
			continue
		}
		if quietFrom < 0 || i < quietFrom*perDay {
			s.Values[i] += waveHigh - waveLow + 4*rng.NormFloat64()
		} else if missedFrom < 0 {
			missedFrom = i
		}
	}
	return s, perDay, missedFrom
}

// TestBandNarrowsOnceSeasonIsModelled: before the daily period is found, each edge of a
// square wave is a residual of dozens of standard deviations. Those residuals belong to the
// model without the season and must not set the band of the model with it, which would
// otherwise stay hundreds of times wider than the noise and miss a plain spike.
func TestBandNarrowsOnceSeasonIsModelled(t *testing.T) {
	s, perDay, _ := dailyWave(-1)
	spikeAt := 9*perDay + perDay/8 // in the quiet half of the last day
	s.Values[spikeAt] += 30
	r := detectDaily(t, s)
	// The band's mean half-width over days 6 to 9, away from the spike.
	var sum float64
	from, to := 6*perDay, 9*perDay
	for i := from; i < to; i++ {
		sum += (r.Upper[i] - r.Lower[i]) / 2
	}
	if half := sum / float64(to-from); half > waveHigh-waveLow {
		t.Errorf("mean band half-width %.1f on a wave from %.0f to %.0f, want under %.0f", half, waveLow, waveHigh, waveHigh-waveLow)
	}
	if r.Anomaly[spikeAt] != 1 {
		t.Errorf("spike of 30 on a quiet night not flagged (score %.2f, band [%.1f, %.1f])",
			r.Score[spikeAt], r.Lower[spikeAt], r.Upper[spikeAt])
	}
}

// TestMissedRiseIsFlagged: on a series quiet by night and busy by day, a day whose busy
// half never comes (an outage that looks like night) is flagged within minutes, though its
// flat line repeats the shape of every night: shapes are weighed less the season.
func TestMissedRiseIsFlagged(t *testing.T) {
	s, _, missedFrom := dailyWave(9)
	r := detectDaily(t, s)
	const within = 6 // half an hour
	for i := missedFrom; i < missedFrom+within; i++ {
		if r.Anomaly[i] == -1 {
			return
		}
	}
	i := missedFrom + within - 1
	t.Errorf("busy half missing: no point flagged below the band in its first %d points (last: value %.1f, band [%.1f, %.1f], score %.2f)",
		within, s.Values[i], r.Lower[i], r.Upper[i], r.Score[i])
}

// TestCausal: the judgement of a point never changes when later points are added.
func TestCausal(t *testing.T) {
	s := synth(5*1440, minute, 3, 10, dailySine)
	full, _, _ := Detect(s, DefaultConfig())
	for _, cut := range []int{31, 1440, 2*1440 + 7, 4 * 1440} {
		part, _, _ := Detect(series.Series{Times: s.Times[:cut], Values: s.Values[:cut]}, DefaultConfig())
		for i := range cut {
			if !same(part.Baseline[i], full.Baseline[i]) || !same(part.Upper[i], full.Upper[i]) || part.Anomaly[i] != full.Anomaly[i] {
				t.Fatalf("cut %d: point %d differs: %v vs %v", cut, i, part.Baseline[i], full.Baseline[i])
			}
		}
	}
}

// TestCloneContinues: a cached model continued on new points gives exactly what one run does.
func TestCloneContinues(t *testing.T) {
	s := synth(4*1440, minute, 3, 11, dailySine)
	full, _, _ := Detect(s, DefaultConfig())
	cut := 3*1440 + 17
	_, m, _ := Detect(series.Series{Times: s.Times[:cut], Values: s.Values[:cut]}, DefaultConfig())
	snapshot := m.Clone()
	var rest Result
	m.Run(s.Times[cut:], s.Values[cut:], &rest)
	var again Result
	snapshot.Run(s.Times[cut:], s.Values[cut:], &again)
	for i := range rest.Len() {
		if !same(rest.Baseline[i], full.Baseline[cut+i]) || !same(again.Score[i], full.Score[cut+i]) {
			t.Fatalf("point %d: continued %v / clone %v, one run %v", cut+i, rest.Baseline[i], again.Score[i], full.Baseline[cut+i])
		}
	}
}

func TestGaps(t *testing.T) {
	s := synth(200, minute, 1, 12, func(int64) float64 { return 5 })
	s.Values[0] = math.NaN()
	s.Values[100] = math.NaN()
	r, m, err := Detect(s, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(r.Score[100]) || r.Anomaly[100] != 0 {
		t.Errorf("gap judged: score %v anomaly %d", r.Score[100], r.Anomaly[100])
	}
	if m.Seen() != 198 {
		t.Errorf("seen %d points, want 198", m.Seen())
	}
	if math.IsNaN(r.Baseline[101]) || math.IsNaN(r.Upper[150]) {
		t.Errorf("band lost after a gap")
	}
}

func TestFlatSeriesHasFiniteScores(t *testing.T) {
	// Flags need minHistory points: before that nothing can be called rare.
	s := synth(200, minute, 0, 13, func(int64) float64 { return 1 })
	s.Values[180] = 0
	r, _, _ := Detect(s, DefaultConfig())
	if math.IsInf(r.Score[180], 0) || r.Anomaly[180] != -1 {
		t.Errorf("drop on a flat series: score %v anomaly %d, want finite and -1", r.Score[180], r.Anomaly[180])
	}
	if r.Anomaly[179] != 0 {
		t.Errorf("unchanged flat point flagged")
	}
}

// TestSensitivity: one setting moves band width and flags together, and every point outside
// the band is flagged (a point inside can be too: the start of a shift, a level never seen),
// unless the shape that led there is one the series has shown before.
func TestSensitivity(t *testing.T) {
	s := synth(3*1440, minute, 3, 14, dailySine)
	var prevWidth float64 = math.Inf(1)
	prevFlags := -1
	for _, sens := range []float64{0, 0.25, 0.5, 0.75, 1} {
		m := NewModel(Config{Seasonality: SeasonalityAuto, Sensitivity: sens})
		flags, repeats := 0, 0
		var width float64
		for i, ts := range s.Times {
			p := m.Update(ts, s.Values[i])
			if i == 2000 {
				width = p.Upper - p.Lower
			}
			if i < 1000 { // once the scorer places the band
				continue
			}
			outside := s.Values[i] > p.Upper || s.Values[i] < p.Lower
			switch {
			case outside && p.Anomaly == 0 && p.Surprise >= p.Rarity:
				t.Fatalf("sensitivity %v point %d: outside the band, a new shape, not flagged", sens, i)
			case outside && p.Anomaly == 0:
				repeats++
			}
			if p.Anomaly != 0 {
				flags++
			}
		}
		if width >= prevWidth || flags < prevFlags {
			t.Errorf("sensitivity %v: width %.2f flags %d; want narrower and at least as many as %.2f / %d", sens, width, flags, prevWidth, prevFlags)
		}
		t.Logf("sensitivity %v: %d flags, %d points outside the band on a known shape", sens, flags, repeats)
		prevWidth, prevFlags = width, flags
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{Seasonality: "hourly", Sensitivity: 0.5}, {Seasonality: "auto", Sensitivity: 1.5}, {Seasonality: "auto", Sensitivity: math.NaN()}} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, _, err := Detect(series.Series{Times: []int64{2, 1}, Values: []float64{1, 1}}, DefaultConfig()); err == nil {
		t.Error("unordered timestamps accepted")
	}
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestLearnMatchesRun: training with Learn, which skips the shape search, leaves the model
// in exactly the state Run does, so later judgements cannot tell how it was trained.
func TestLearnMatchesRun(t *testing.T) {
	s := synth(4*1440, minute, 3, 12, dailySine)
	for _, at := range []int{1000, 2500, 3*1440 + 200} { // spikes, so shapes are weighed
		s.Values[at] += 40
		s.Values[at+1] += 25
	}
	full, _, _ := Detect(s, DefaultConfig())
	cut := 3 * 1440
	m := NewModel(DefaultConfig())
	m.Learn(s.Times[:cut], s.Values[:cut])
	var rest Result
	m.Run(s.Times[cut:], s.Values[cut:], &rest)
	flagged := 0
	for i := range rest.Len() {
		j := cut + i
		if !same(rest.Baseline[i], full.Baseline[j]) || !same(rest.Upper[i], full.Upper[j]) ||
			!same(rest.Score[i], full.Score[j]) || rest.Anomaly[i] != full.Anomaly[j] {
			t.Fatalf("point %d: learned then run: score %v, one run: %v", j, rest.Score[i], full.Score[j])
		}
		if rest.Anomaly[i] != 0 {
			flagged++
		}
	}
	if flagged == 0 {
		t.Fatal("the spike after the cut was not flagged: the comparison proves nothing")
	}
}

// TestCloneIntoReusesScratch: a scratch model copied into again and again (from models of
// different series, ages and periods) continues exactly as a fresh clone would.
func TestCloneIntoReusesScratch(t *testing.T) {
	flat := func(int64) float64 { return 50 }
	sources := []series.Series{
		synth(3*1440, minute, 3, 13, dailySine),
		synth(200, minute, 1, 14, flat),
		synth(2*1440+5, minute, 2, 15, dailySine),
	}
	var scratch *Model
	for k, s := range sources {
		cut := len(s.Values) - 60
		_, m, _ := Detect(series.Series{Times: s.Times[:cut], Values: s.Values[:cut]}, DefaultConfig())
		var want, got Result
		fresh := m.Clone()
		fresh.Run(s.Times[cut:], s.Values[cut:], &want)
		scratch = m.CloneInto(scratch)
		scratch.Run(s.Times[cut:], s.Values[cut:], &got)
		for i := range want.Len() {
			if !same(got.Baseline[i], want.Baseline[i]) || !same(got.Upper[i], want.Upper[i]) || !same(got.Score[i], want.Score[i]) {
				t.Fatalf("source %d point %d: scratch %v/%v, fresh clone %v/%v", k, i, got.Baseline[i], got.Score[i], want.Baseline[i], want.Score[i])
			}
		}
		if scratch.Period() != fresh.Period() {
			t.Fatalf("source %d: scratch period %v, fresh clone %v", k, scratch.Period(), fresh.Period())
		}
	}
}
