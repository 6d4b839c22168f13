package nab

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

func TestScaledSigmoid(t *testing.T) {
	for _, c := range []struct{ p, want float64 }{
		{-1, 0.98661430}, {-0.5, 0.84828364}, {-0.01, 0.02499479}, {0, 0},
		{0.5, -0.84828364}, {1, -0.98661430}, {3, -0.99999939}, {3.0001, -1},
	} {
		if got := scaledSigmoid(c.p); math.Abs(got-c.want) > 1e-8 {
			t.Errorf("scaledSigmoid(%v) = %.8f, want %.8f", c.p, got, c.want)
		}
	}
}

func TestProbationLength(t *testing.T) {
	for n, want := range map[int]int{0: 0, 10: 1, 4032: 604, 5000: 750, 22695: 750} {
		if got := ProbationLength(n); got != want {
			t.Errorf("ProbationLength(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestScoreSmallCases checks the scorer's arithmetic on hand-made files of 100 rows
// (probation 15 rows) with one window over rows 40–59.
func TestScoreSmallCases(t *testing.T) {
	std := Profiles[0]
	flag := func(rows ...int) []float64 {
		s := make([]float64, 100)
		for _, r := range rows {
			s[r] = 1
		}
		return s
	}
	tp := func(i int) float64 { return scaledSigmoid(-float64(59-i+1)/20) / maxTP }
	fp := func(i int) float64 { return std.FPWeight * scaledSigmoid(math.Abs(float64(59-i))/19) }
	cases := []struct {
		name   string
		scores []float64
		want   float64
	}{
		{"nothing flagged misses the window", flag(), -1},
		{"left edge earns tpWeight", flag(40), 1},
		{"only the earliest detection counts", flag(45, 41, 58), tp(41)},
		{"right edge earns about nothing", flag(59), tp(59)},
		{"false positive before any window costs fpWeight", flag(20, 40), 1 - std.FPWeight},
		{"false positive in probation is free", flag(10, 40), 1},
		{"false positive just after the window costs little", flag(40, 62), 1 + fp(62)},
		{"far false positive costs fpWeight", flag(40, 99), 1 + fp(99)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			corpus := &Corpus{Files: []File{{Name: "f", Values: make([]float64, 100), Windows: []Window{{40, 59}}}}}
			res, _, err := corpus.ScoreAt(Scores{c.scores}, std, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(res.Raw-c.want) > 1e-12 {
				t.Errorf("raw = %.6f, want %.6f", res.Raw, c.want)
			}
		})
	}
}

func TestScoresOutOfRangeAreRejected(t *testing.T) {
	corpus := &Corpus{Files: []File{{Name: "f", Values: make([]float64, 3)}}}
	for _, s := range [][]float64{{0, 1.5, 0}, {0, math.NaN(), 0}, {0, 0}} {
		if _, err := corpus.Optimize(Scores{s}, Profiles[0]); err == nil {
			t.Errorf("scores %v accepted", s)
		}
	}
}

// TestReproducesPublishedResults scores NAB's own result files for numenta (HTM) and
// windowedGaussian at their stored thresholds and compares with final_results.json.
func TestReproducesPublishedResults(t *testing.T) {
	dir := datasets.Dir(t, "nab")
	corpus, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(corpus.Files) != 58 || corpus.Windows() != 116 || corpus.Points() != 365558 {
		t.Fatalf("corpus has %d files, %d windows, %d points; want 58, 116, 365558",
			len(corpus.Files), corpus.Windows(), corpus.Points())
	}
	var thresholds map[string]map[string]struct{ Threshold float64 }
	readJSON(t, filepath.Join(dir, "config", "thresholds.json"), &thresholds)
	var published map[string]map[string]float64
	readJSON(t, filepath.Join(dir, "reference-results", "final_results.json"), &published)

	for _, det := range []string{"numenta", "windowedGaussian"} {
		scores := referenceScores(t, filepath.Join(dir, "reference-results", det), det, corpus)
		for _, p := range Profiles {
			res, _, err := corpus.ScoreAt(scores, p, thresholds[det][p.Name].Threshold)
			if err != nil {
				t.Fatal(err)
			}
			want := published[det][p.Name]
			t.Logf("%s %s: raw %.4f → %.4f (published %.4f)", det, p.Name, res.Raw, res.Normalized, want)
			if math.Abs(res.Normalized-want) > 0.01 {
				t.Errorf("%s %s: %.4f, published %.4f", det, p.Name, res.Normalized, want)
			}
			// The optimiser can only do as well or better than the stored threshold.
			opt, err := corpus.Optimize(scores, p)
			if err != nil {
				t.Fatal(err)
			}
			if opt.Raw < res.Raw-1e-9 {
				t.Errorf("%s %s: optimised %.4f below stored threshold's %.4f", det, p.Name, opt.Raw, res.Raw)
			}
		}
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// referenceScores reads the anomaly_score column of a detector's result files.
func referenceScores(t *testing.T, dir, det string, c *Corpus) Scores {
	t.Helper()
	out := make(Scores, len(c.Files))
	for i, f := range c.Files {
		name := filepath.Join(dir, path.Dir(f.Name), det+"_"+path.Base(f.Name))
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(recs)-1 != len(f.Values) || recs[0][2] != "anomaly_score" {
			t.Fatalf("%s: %d rows, header %v; want %d rows with anomaly_score third", name, len(recs)-1, recs[0], len(f.Values))
		}
		out[i] = make([]float64, len(f.Values))
		for j, r := range recs[1:] {
			if out[i][j], err = strconv.ParseFloat(r[2], 64); err != nil {
				t.Fatalf("%s row %d: %v", name, j+2, err)
			}
		}
	}
	return out
}
