package nab

import "fmt"

// Result is a detector's score on the corpus under one profile.
type Result struct {
	Profile    Profile
	Threshold  float64 // the corpus-wide threshold the score was obtained at
	Raw        float64 // sum of the file scores
	Normalized float64 // 0 = null detector, 100 = perfect
}

// Scores holds a detector's anomaly scores in [0, 1], one slice per file, in corpus order.
type Scores [][]float64

func (c *Corpus) check(s Scores) error {
	if len(s) != len(c.Files) {
		return fmt.Errorf("scores for %d files, corpus has %d", len(s), len(c.Files))
	}
	for i, f := range c.Files {
		if len(s[i]) != len(f.Values) {
			return fmt.Errorf("%s: %d scores for %d rows", f.Name, len(s[i]), len(f.Values))
		}
		for j, v := range s[i] {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("%s row %d: score %v outside [0, 1]", f.Name, j, v)
			}
		}
	}
	return nil
}

// pooled is every file's sweep rows, with window ids unique across the corpus.
func (c *Corpus) pooled(s Scores, p Profile) [][]row {
	out := make([][]row, len(c.Files))
	base := 0
	for i, f := range c.Files {
		out[i] = sweepRows(s[i], f.Windows, p, base)
		base += len(f.Windows)
	}
	return out
}

// Optimize scores the detector under p at the corpus-wide threshold that maximises its
// score, as NAB's optimiser does.
func (c *Corpus) Optimize(s Scores, p Profile) (Result, error) {
	if err := c.check(s); err != nil {
		return Result{}, err
	}
	var all []row
	for _, rows := range c.pooled(s, p) {
		all = append(all, rows...)
	}
	b := best(scoreByThreshold(all, p))
	return c.result(b.Threshold, b.Score, p), nil
}

// ScoreAt scores the detector under p at threshold t, file by file, as NAB's scorer does.
// It also returns each file's score.
func (c *Corpus) ScoreAt(s Scores, p Profile, t float64) (Result, []float64, error) {
	if err := c.check(s); err != nil {
		return Result{}, nil, err
	}
	files := make([]float64, len(c.Files))
	raw := 0.0
	for i, rows := range c.pooled(s, p) {
		files[i] = scoreAt(scoreByThreshold(rows, p), t)
		raw += files[i]
	}
	return c.result(t, raw, p), files, nil
}

func (c *Corpus) result(t, raw float64, p Profile) Result {
	return Result{Profile: p, Threshold: t, Raw: raw, Normalized: Normalize(raw, p, c.Windows())}
}
