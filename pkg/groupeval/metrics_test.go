package groupeval

import (
	"math"
	"testing"
)

func TestScore(t *testing.T) {
	for _, c := range []struct {
		name       string
		gold, pred []string
		want       Scores
	}{
		{
			// scikit-learn's documented example: adjusted_rand_score = 0.24242424.
			// Pairs: 2 together in both, 6 in gold, 3 predicted, 15 in all.
			name: "split and merge",
			gold: []string{"a", "a", "a", "b", "b", "b"},
			pred: []string{"x", "x", "y", "y", "z", "z"},
			want: Scores{Items: 6, Clusters: 3, Compression: 0.5, Precision: 2.0 / 3, Recall: 1.0 / 3, F1: 4.0 / 9, ARI: 0.8 / 3.3},
		},
		{
			name: "perfect, labels renamed",
			gold: []string{"a", "a", "b", "c"},
			pred: []string{"1", "1", "2", "3"},
			want: Scores{Items: 4, Clusters: 3, Compression: 0.25, Precision: 1, Recall: 1, F1: 1, ARI: 1},
		},
		{
			// Everything in one incident: every gold pair found (recall 1), 2 of 6 right.
			// Expected index = 2·6/6 = 2 = the index, so ARI = 0.
			name: "all merged",
			gold: []string{"a", "a", "b", "b"},
			pred: []string{"x", "x", "x", "x"},
			want: Scores{Items: 4, Clusters: 1, Compression: 0.75, Precision: 1.0 / 3, Recall: 1, F1: 0.5, ARI: 0},
		},
		{
			// Nothing grouped: no predicted pairs, so precision is vacuously 1.
			name: "all singletons",
			gold: []string{"a", "a", "b"},
			pred: []string{"1", "2", "3"},
			want: Scores{Items: 3, Clusters: 3, Compression: 0, Precision: 1, Recall: 0, F1: 0, ARI: 0},
		},
		{
			name: "one item",
			gold: []string{"a"},
			pred: []string{"x"},
			want: Scores{Items: 1, Clusters: 1, Compression: 0, Precision: 1, Recall: 1, F1: 1, ARI: 1},
		},
	} {
		got := Score(c.gold, c.pred)
		if got.Items != c.want.Items || got.Clusters != c.want.Clusters {
			t.Errorf("%s: %d items in %d clusters, want %d in %d", c.name, got.Items, got.Clusters, c.want.Items, c.want.Clusters)
		}
		for _, f := range []struct {
			name      string
			got, want float64
		}{
			{"compression", got.Compression, c.want.Compression},
			{"precision", got.Precision, c.want.Precision},
			{"recall", got.Recall, c.want.Recall},
			{"F1", got.F1, c.want.F1},
			{"ARI", got.ARI, c.want.ARI},
		} {
			if math.Abs(f.got-f.want) > 1e-12 {
				t.Errorf("%s: %s = %.6f, want %.6f", c.name, f.name, f.got, f.want)
			}
		}
	}
}

func TestBreakdown(t *testing.T) {
	occ := []Occurrence{
		{Gold: "f1", FaultType: "cpu"}, {Gold: "f1", FaultType: "cpu"}, {Gold: "f1", FaultType: "cpu"},
		{Gold: "f2", FaultType: "disk"}, {Gold: "f2", FaultType: "disk"},
		{Gold: "n1", FaultType: "noise"},
	}
	// f1 is split in two (x, y); y also takes f2's first alert; the noise joins z with f2.
	pred := []string{"x", "x", "y", "y", "z", "z"}
	rows := Breakdown(occ, pred, ByFaultType)
	want := []Row{
		{Name: "cpu", Gold: 1, Items: 3, Recall: 1.0 / 3, Pieces: 2, Mixed: 1.0 / 3},
		{Name: "disk", Gold: 1, Items: 2, Recall: 0, Pieces: 2, Mixed: 1},
		{Name: "noise", Gold: 1, Items: 1, Recall: 1, Pieces: 1, Mixed: 1},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v, want %+v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}
