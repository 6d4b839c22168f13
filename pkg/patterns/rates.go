package patterns

import (
	"cmp"
	"math"
	"slices"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
)

// Line is one timestamped log line.
type Line struct {
	Time int64 // Unix ms
	Text string
}

// RateConfig says how Analyse counts and judges pattern rates.
type RateConfig struct {
	// From, To and Step (Unix ms) are the count grid: bucket i counts the lines in
	// [From+i·Step, From+(i+1)·Step).
	From, To, Step int64
	// Examples is the most example lines kept per pattern (default 3).
	Examples int
	// Anomaly configures the band model run over each pattern's counts.
	Anomaly anomaly.Config
	// Miner configures the template miner.
	Miner Config
}

// NewAfter is the share of the range that is the baseline: a pattern first seen after it
// is new. Before it, a pattern may simply be one whose earlier lines fell outside the range.
const NewAfter = 0.25

// PatternRate is one pattern's counts over the grid and the judgement of its rate.
type PatternRate struct {
	Pattern
	FirstSeen int64     // Unix ms of its first line in the range
	Counts    []float64 // per bucket
	// Score is the highest anomaly score of the counts (1 or more: flagged), at ScoreAt.
	Score   float64
	ScoreAt int64
	// New is set when the pattern first appeared after the baseline part of the range.
	New bool
	// Surging is set when its rate rose above its band.
	Surging  bool
	Examples []string
}

// Rates is the result of Analyse.
type Rates struct {
	Times    []int64       // bucket start times
	Patterns []PatternRate // most frequent first
	Lines    int           // lines counted
}

// Analyse mines the lines (in time order) into patterns, counts each pattern per bucket
// and runs the anomaly model over each count series: the first sign of trouble is often
// a pattern that is new or suddenly more frequent.
func Analyse(lines []Line, cfg RateConfig) Rates {
	if cfg.Examples <= 0 {
		cfg.Examples = 3
	}
	n := int(max(0, (cfg.To-cfg.From)/max(cfg.Step, 1)+1))
	times := make([]int64, n)
	for i := range times {
		times[i] = cfg.From + int64(i)*cfg.Step
	}
	m := New(cfg.Miner)
	type acc struct {
		first    int64
		counts   []float64
		examples []string
	}
	byID := map[ID]*acc{}
	ids := make([]ID, len(lines))
	counted := 0
	for i, l := range lines {
		ids[i] = m.Add(l.Text)
		if l.Time < cfg.From || (l.Time-cfg.From)/max(cfg.Step, 1) >= int64(n) {
			ids[i] = 0
			continue
		}
		counted++
	}
	// Second pass: merges during mining may have moved a line's pattern.
	for i, l := range lines {
		if ids[i] == 0 {
			continue
		}
		id := m.Resolve(ids[i])
		a := byID[id]
		if a == nil {
			a = &acc{first: l.Time, counts: make([]float64, n)}
			byID[id] = a
		}
		a.first = min(a.first, l.Time)
		a.counts[(l.Time-cfg.From)/cfg.Step]++
		if len(a.examples) < cfg.Examples && !slices.Contains(a.examples, l.Text) {
			a.examples = append(a.examples, l.Text)
		}
	}
	out := Rates{Times: times, Lines: counted}
	for _, p := range m.Patterns() {
		a := byID[p.ID]
		if a == nil {
			continue // evicted lines' pattern, or lines outside the range only
		}
		p.Count = 0
		for _, c := range a.counts {
			p.Count += int64(c)
		}
		r := PatternRate{Pattern: p, FirstSeen: a.first, Counts: a.counts, Examples: a.examples}
		r.New = a.first >= cfg.From+int64(NewAfter*float64(cfg.To-cfg.From))
		r.Score, r.ScoreAt, r.Surging = judge(times, a.counts, cfg.Anomaly)
		out.Patterns = append(out.Patterns, r)
	}
	slices.SortStableFunc(out.Patterns, func(a, b PatternRate) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// judge runs the band model over one pattern's counts and returns its highest score and
// whether any bucket rose above the band.
func judge(times []int64, counts []float64, cfg anomaly.Config) (score float64, at int64, surging bool) {
	model := anomaly.NewModel(cfg)
	for i, c := range counts {
		p := model.Update(times[i], c)
		if p.Anomaly > 0 {
			surging = true
		}
		if !math.IsNaN(p.Score) && p.Score > score {
			score, at = p.Score, times[i]
		}
	}
	return score, at, surging
}
