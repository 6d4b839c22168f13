package evidence

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/series"
)

var t0 = time.Date(2024, 6, 11, 10, 0, 0, 0, time.UTC)

func request(lookback, after time.Duration) rca.Request {
	return rca.Request{Incident: rca.Incident{Start: t0}, From: t0.Add(-lookback), To: t0.Add(after)}
}

func TestNewSpan(t *testing.T) {
	tests := []struct {
		name     string
		req      rca.Request
		minStep  time.Duration
		step     time.Duration
		baseline time.Duration
	}{
		{"engine default", request(30*time.Minute, 4*time.Minute), 15 * time.Second, 34 * time.Second, 3 * time.Hour},
		{"short window: the scrape interval", request(5*time.Minute, 0), 15 * time.Second, 15 * time.Second, 30 * time.Minute},
		{"long incident: the baseline keeps its points", request(10*time.Minute, 10*time.Hour), 15 * time.Second, 6 * time.Minute, time.Hour},
		{"first alert unknown: the window is the lookback", rca.Request{From: t0, To: t0.Add(time.Hour)}, time.Minute, time.Minute, 6 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newSpan(tc.req, 6, tc.minStep)
			if err != nil {
				t.Fatal(err)
			}
			if s.step != tc.step || s.baseline != tc.baseline {
				t.Errorf("step %s baseline %s, want %s and %s", s.step, s.baseline, tc.step, tc.baseline)
			}
			ms := s.step.Milliseconds()
			if s.start.UnixMilli()%ms != 0 || s.end.UnixMilli()%ms != 0 {
				t.Errorf("grid [%s, %s] not aligned on %s", s.start, s.end, s.step)
			}
			if s.start.After(tc.req.From.Add(-tc.baseline)) || s.end.Before(tc.req.To) {
				t.Errorf("grid [%s, %s] does not cover the baseline and window", s.start, s.end)
			}
			if n := s.baseline / s.step; n < minBaselinePoints {
				t.Errorf("%d baseline points", n)
			}
		})
	}
}

func TestNewSpanRefusesBadRanges(t *testing.T) {
	for name, req := range map[string]rca.Request{
		"no range":  {},
		"reversed":  {From: t0, To: t0.Add(-time.Minute)},
		"empty":     {From: t0, To: t0},
		"only from": {From: t0},
	} {
		if _, err := newSpan(req, 6, time.Second); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWhen(t *testing.T) {
	s, _ := newSpan(request(30*time.Minute, time.Minute), 6, time.Second)
	tests := []struct {
		at   time.Time
		want string
	}{
		{t0.Add(-6*time.Minute - 10*time.Second), "at 09:53 UTC, 6 min before the first alert"},
		{t0.Add(20 * time.Second), "at 10:00 UTC, as the first alert fired"},
		{t0.Add(2 * time.Minute), "at 10:02 UTC, 2 min after the first alert"},
		{t0.Add(-125 * time.Minute), "at 07:55 UTC, 2 h 5 min before the first alert"},
		{t0.Add(-2 * time.Hour), "at 08:00 UTC, 2 h before the first alert"},
	}
	for _, tc := range tests {
		if got := s.when(tc.at); got != tc.want {
			t.Errorf("when(%s) = %q, want %q", tc.at.Format(time.TimeOnly), got, tc.want)
		}
	}
	s.firstAlert = time.Time{}
	if got := s.when(t0); got != "at 10:00 UTC" {
		t.Errorf("without a first alert: %q", got)
	}
}

func TestUnitFormat(t *testing.T) {
	tests := []struct {
		unit Unit
		v    float64
		want string
	}{
		{UnitSeconds, 0.12, "120 ms"},
		{UnitSeconds, 0.0095, "9.5 ms"},
		{UnitSeconds, 0.00002, "20 µs"},
		{UnitSeconds, 1.25, "1.25 s"},
		{UnitSeconds, 300, "5 min"},
		{UnitRatio, 0.0778, "7.78%"},
		{UnitRatio, 0.00012, "0.012%"},
		{UnitRatio, 0, "0%"},
		{UnitBytes, 200 << 20, "200 MiB"},
		{UnitBytes, 1.5 * (1 << 30), "1.5 GiB"},
		{UnitBytes, 512, "512 B"},
		{UnitCores, 0.25, "0.25 cores"},
		{UnitPerSecond, 1234.6, "1235/s"},
		{UnitCount, 3, "3"},
		{UnitNone, -0.000123456, "-0.000123"},
		{UnitNone, math.NaN(), "NaN"},
	}
	for _, tc := range tests {
		if got := tc.unit.format(tc.v); got != tc.want {
			t.Errorf("%q.format(%v) = %q, want %q", tc.unit, tc.v, got, tc.want)
		}
	}
}

func TestQuoteText(t *testing.T) {
	if got := quoteText("a\n  b", 10); got != `"a b"` {
		t.Errorf("got %s", got)
	}
	if got := quoteText(strings.Repeat("é", 20), 5); got != `"éééé…"` {
		t.Errorf("got %s", got)
	}
}

// flat is a series on s's grid: before until the window's start, then after.
func flat(s span, before, after float64, noise float64) series.Series {
	var ser series.Series
	i := 0
	for t := s.start; !t.After(s.end); t = t.Add(s.step) {
		v := before
		if !t.Before(s.from.Add(10 * time.Minute)) {
			v = after
		}
		ser.Times = append(ser.Times, t.UnixMilli())
		ser.Values = append(ser.Values, v+noise*float64(i%5-2))
		i++
	}
	return ser
}

func TestLevelShift(t *testing.T) {
	s, err := newSpan(request(30*time.Minute, 4*time.Minute), 6, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	up := signal{name: "latency", unit: UnitSeconds, harm: HarmUp, minChange: 0.01}
	down := signal{name: "throughput", unit: UnitPerSecond, harm: HarmDown, minChange: 0.1}
	tests := []struct {
		name          string
		sig           signal
		before, after float64
		noise         float64
		want          bool
	}{
		{"latency up", up, 0.1, 0.9, 0.005, true},
		{"latency down is no harm", up, 0.9, 0.1, 0.005, false},
		{"throughput down", down, 100, 20, 1, true},
		{"throughput up is no harm", down, 100, 200, 1, false},
		{"below the absolute floor", up, 0.001, 0.005, 0.0001, false},
		{"below the relative floor", down, 1000, 950, 0.1, false},
		{"steady", up, 0.1, 0.1, 0.005, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sh, ok := tc.sig.levelShift(s, flat(s, tc.before, tc.after, tc.noise))
			if ok != tc.want {
				t.Fatalf("shift found: %v, want %v (%+v)", ok, tc.want, sh)
			}
			if at := s.from.Add(10 * time.Minute); ok && (sh.onset.Before(at) || !sh.onset.Before(at.Add(s.step))) {
				t.Errorf("onset %s, want the first point from %s", sh.onset, at)
			}
		})
	}
}

func TestEventBurst(t *testing.T) {
	s, err := newSpan(request(30*time.Minute, 4*time.Minute), 6, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A cumulative count on s's grid with events at the given offsets from From; -1 drops
	// the count by that much (a pod went away).
	counter := func(events map[time.Duration]float64) series.Series {
		var ser series.Series
		total := 0.0
		for t := s.start; !t.After(s.end); t = t.Add(s.step) {
			for off, n := range events {
				at := s.from.Add(off)
				if !at.Before(t) && at.Before(t.Add(s.step)) {
					total += n
				}
			}
			ser.Times = append(ser.Times, t.UnixMilli())
			ser.Values = append(ser.Values, total)
		}
		return ser
	}
	tests := []struct {
		name     string
		events   map[time.Duration]float64
		want     bool
		strength float64
	}{
		{"one restart", map[time.Duration]float64{20 * time.Minute: 1}, true, 1 - math.Exp(-0.5)},
		{"four restarts", map[time.Duration]float64{20 * time.Minute: 2, 25 * time.Minute: 2}, true, 1 - math.Exp(-2)},
		{"none", nil, false, 0},
		{"a pod went away", map[time.Duration]float64{20 * time.Minute: -3}, false, 0},
		{"crash loop as usual", map[time.Duration]float64{-150 * time.Minute: 6, -90 * time.Minute: 6, -30 * time.Minute: 6, 20 * time.Minute: 2}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := eventBurst(s, counter(tc.events))
			if ok != tc.want || math.Abs(e.strength-tc.strength) > 0.01 {
				t.Fatalf("got %+v, %v; want %v with strength %.2f", e, ok, tc.want, tc.strength)
			}
		})
	}
}
