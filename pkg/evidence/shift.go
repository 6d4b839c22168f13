package evidence

import (
	"fmt"
	"math"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// Harm is the direction in which a signal's change hurts.
type Harm string

// The directions a MetricQuery may declare.
const (
	HarmUp   Harm = "up"   // latency, errors, saturation: rising is bad
	HarmDown Harm = "down" // throughput: falling is bad
)

// minRelChange is the least relative move of a level that counts: rca.DetectChange
// measures a shift against the baseline's own spread, and a very steady baseline turns a
// few percent into many deviations, which nobody would call a cause.
const minRelChange = 0.1

// signal is what a change of one series means: its name in sentences, how its values
// read, which way is harmful and the least absolute move worth reporting.
type signal struct {
	name      string
	unit      Unit
	harm      Harm
	minChange float64
}

// shift is a harmful level shift of one series.
type shift struct {
	change rca.Change
	onset  time.Time
}

// delta is the shift's size in the signal's unit, after minus before.
func (sh shift) delta() float64 { return sh.change.After - sh.change.Before }

// levelShift looks for a harmful level shift of ser in s's window against its baseline.
func (sig signal) levelShift(s span, ser series.Series) (shift, bool) {
	base, win, times := s.split(ser)
	c := rca.DetectChange(base, win)
	if c.Onset < 0 || c.Strength() <= 0 {
		return shift{}, false
	}
	if (sig.harm == HarmDown) != (c.Z < 0) {
		return shift{}, false
	}
	delta := math.Abs(c.After - c.Before)
	if delta < sig.minChange || (c.Before != 0 && delta/math.Abs(c.Before) < minRelChange) {
		return shift{}, false
	}
	return shift{change: c, onset: time.UnixMilli(times[c.Onset])}, true
}

// describe is the sentence for a shift: "p99 latency rose from 120 ms to 900 ms at 14:02
// UTC, 6 min before the first alert".
func (sig signal) describe(sh shift, s span) string {
	verb := "rose"
	if sh.change.Z < 0 {
		verb = "fell"
	}
	return fmt.Sprintf("%s %s from %s to %s %s", sig.name, verb,
		sig.unit.format(sh.change.Before), sig.unit.format(sh.change.After), s.when(sh.onset))
}

// events is a burst of discrete events (restarts) in the window: how many, how many the
// baseline's rate would have given, and when the first came.
type events struct {
	count, expected float64
	onset           time.Time
	strength        float64
}

// eventBurst judges a cumulative count of discrete events (restarts). A level shift
// misses these: a few restarts in a half-hour window leave the median of the per-step
// counts at zero. Instead the window's events are compared with what the baseline's rate
// predicts, as a Poisson count: z = (count − expected) / √(expected + 1), and strength
// 1 − e^(−z/2) from z = 1 on, so one restart where there were none scores 0.39 and four
// score 0.86.
func eventBurst(s span, ser series.Series) (events, bool) {
	from := s.from.UnixMilli()
	var baseSum, count float64
	var baseSteps, winSteps int
	onset := time.Time{}
	prev := math.NaN()
	for i, v := range ser.Values {
		if math.IsNaN(v) {
			continue
		}
		rise := 0.0
		if !math.IsNaN(prev) {
			rise = max(0, v-prev) // a fall is a pod going away, not events
		}
		prev = v
		if ser.Times[i] < from {
			baseSum += rise
			baseSteps++
			continue
		}
		winSteps++
		count += rise
		if rise > 0 && onset.IsZero() {
			onset = time.UnixMilli(ser.Times[i])
		}
	}
	if count < 1 || baseSteps == 0 {
		return events{}, false
	}
	expected := baseSum / float64(baseSteps) * float64(winSteps)
	z := (count - expected) / math.Sqrt(expected+1)
	if z < 1 {
		return events{}, false
	}
	return events{count: count, expected: expected, onset: onset, strength: 1 - math.Exp(-z/2)}, true
}

func (sig signal) describeEvents(e events, s span) string {
	before := fmt.Sprintf("none in the %s before", fmtDuration(s.baseline))
	if e.expected >= 0.5 {
		before = fmt.Sprintf("about %s expected at the earlier rate", sig.unit.format(math.Round(e.expected)))
	}
	return fmt.Sprintf("%s: %s since %s (%s), the first %s", sig.name, sig.unit.format(e.count), fmtClock(s.from), before, s.when(e.onset))
}
