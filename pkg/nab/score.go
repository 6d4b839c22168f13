// Package nab scores anomaly detectors the way the Numenta Anomaly Benchmark does: labelled
// windows, a probationary period, a scaled sigmoid that rewards early detection, three
// application profiles, one threshold swept over the whole corpus, and normalisation between
// the null and the perfect detector. The arithmetic follows NAB's sweeper.py line by line
// (see SCORING.md in the dataset) so that its published figures are reproduced exactly.
package nab

import (
	"math"
	"sort"
)

// Profile is an application profile: what a true positive earns and what a false positive
// and a missed window cost.
type Profile struct {
	Name                         string
	TPWeight, FPWeight, FNWeight float64
}

// Profiles are NAB's three application profiles, in the order results are reported.
var Profiles = []Profile{
	{Name: "standard", TPWeight: 1, FPWeight: 0.11, FNWeight: 1},
	{Name: "reward_low_FP_rate", TPWeight: 1, FPWeight: 0.22, FNWeight: 1},
	{Name: "reward_low_FN_rate", TPWeight: 1, FPWeight: 0.11, FNWeight: 2},
}

// Window is a labelled anomaly window: row indexes of its first and last row, inclusive.
type Window struct{ First, Last int }

// ProbationLength is the number of leading rows NAB excludes from scoring: 15% of the file,
// at most 750 rows.
func ProbationLength(n int) int {
	return int(math.Min(math.Floor(0.15*float64(n)), 0.15*5000))
}

// scaledSigmoid maps a relative position to a reward in (-1, 1): positive before the right
// edge of a window (negative positions), negative after it.
func scaledSigmoid(p float64) float64 {
	if p > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*p)) - 1
}

// maxTP is the reward at the left edge of a window, used to scale it to exactly tpWeight.
var maxTP = scaledSigmoid(-1)

// row is one scored row: its detector score, the window it lies in (-1 outside any) and
// the value of flagging it.
type row struct {
	score  float64
	window int
	sweep  float64
}

// sweepRows computes, for one file, the value of flagging each non-probationary row
// (Sweeper.calcSweepScore). Window ids are offset by base so files can be pooled.
func sweepRows(scores []float64, windows []Window, p Profile, base int) []row {
	prob := ProbationLength(len(scores))
	rows := make([]row, 0, len(scores)-prob)
	next, cur := 0, -1
	prevRight, prevWidth := -1, 0.0
	for i, s := range scores {
		if cur < 0 && next < len(windows) && i == windows[next].First {
			cur, next = next, next+1
		}
		var sweep float64
		if cur >= 0 {
			w := windows[cur]
			width := float64(w.Last - w.First + 1)
			pos := -float64(w.Last-i+1) / width
			sweep = scaledSigmoid(pos) * p.TPWeight / maxTP
		} else {
			u := -1.0
			if prevRight >= 0 {
				u = scaledSigmoid(math.Abs(float64(prevRight-i)) / (prevWidth - 1))
			}
			sweep = u * p.FPWeight
		}
		if i >= prob {
			id := -1
			if cur >= 0 {
				id = base + cur
			}
			rows = append(rows, row{score: s, window: id, sweep: sweep})
		}
		if cur >= 0 && i == windows[cur].Last {
			prevRight, prevWidth = i, float64(windows[cur].Last-windows[cur].First+1)
			cur = -1
		}
	}
	return rows
}

// Level is the score obtained by flagging every row whose detector score is ≥ Threshold.
type Level struct{ Threshold, Score float64 }

// scoreByThreshold is Sweeper.calcScoreByThreshold: the score at every distinct threshold,
// highest threshold first.
func scoreByThreshold(rows []row, p Profile) []Level {
	sorted := make([]row, len(rows))
	copy(sorted, rows)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].score > sorted[j].score })

	// Windows in first-seen order, as Python's dict keeps them; only the sum's last ULP depends on it.
	best := map[int]float64{}
	var order []int
	for _, r := range rows {
		if _, ok := best[r.window]; r.window >= 0 && !ok {
			best[r.window] = -p.FNWeight
			order = append(order, r.window)
		}
	}
	fp := 0.0
	total := func() float64 {
		s := fp
		for _, w := range order {
			s += best[w]
		}
		return s
	}
	cur := 1.1
	out := make([]Level, 0, 64)
	for _, r := range sorted {
		if r.score != cur {
			out = append(out, Level{Threshold: cur, Score: total()})
			cur = r.score
		}
		if r.window >= 0 {
			best[r.window] = math.Max(best[r.window], r.sweep)
		} else {
			fp += r.sweep
		}
	}
	return append(out, Level{Threshold: cur, Score: total()})
}

// scoreAt picks the level for threshold t from a file's levels (Sweeper.scoreDataSet): the
// smallest distinct score ≥ t, i.e. the score of flagging every row with score ≥ t.
func scoreAt(levels []Level, t float64) float64 {
	for i, l := range levels {
		if l.Threshold == t {
			return l.Score
		}
		if l.Threshold < t {
			if i == 0 {
				return l.Score
			}
			return levels[i-1].Score
		}
	}
	// t is below every score: everything is flagged.
	return levels[len(levels)-1].Score
}

// best is optimizer.optimizeThreshold: the level with the highest score, the highest
// threshold among ties.
func best(levels []Level) Level {
	b := levels[0]
	for _, l := range levels[1:] {
		if l.Score > b.Score {
			b = l
		}
	}
	return b
}

// Normalize maps a raw corpus score to NAB's 0–100 scale: 0 is the null detector (every
// window missed), 100 the perfect one (every window caught at its left edge, no false positive).
func Normalize(raw float64, p Profile, nWindows int) float64 {
	null := -p.FNWeight * float64(nWindows)
	perfect := p.TPWeight * float64(nWindows)
	return 100 * (raw - null) / (perfect - null)
}
