package rcaeval

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAccuracy(t *testing.T) {
	a := accuracy([]int{1, 2, 0, 5})
	want := [TopK]float64{0.25, 0.5, 0.5, 0.5, 0.75}
	if a.N != 4 || a.AC != want {
		t.Fatalf("got %+v, want AC %v", a, want)
	}
	if got := a.Avg5(); math.Abs(got-0.5) > 1e-12 {
		t.Fatalf("Avg@5 %.3f, want 0.5", got)
	}
	if got := lastLine("petshop", a); got != "RCA petshop AC@1=0.250 AC@3=0.500 Avg@5=0.500" {
		t.Fatalf("last line %q", got)
	}
	if (accuracy(nil) != Accuracy{}) {
		t.Fatal("no cases: all zero")
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	if got := percentile(ds, 0.95); got != 10 {
		t.Fatalf("p95 %v, want 10 (nearest rank)", got)
	}
	if got := percentile(ds, 0.5); got != 5 {
		t.Fatalf("p50 %v, want 5", got)
	}
}

func TestReadTable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body, wantErr string
	}{
		{"ok", "microservice,a,b\nmetric,latency,availability\nstatistic,Average,Average\nunix_timestamp,,\n1681857120.0,0.5,\n1681857420.0,0.7,99\n", ""},
		{"bad header", "x,a\nmetric,latency\nstatistic,Average\nunix_timestamp,\n1,2\n", "3-row header"},
		{"ragged row", "microservice,a,b\nmetric,latency,latency\nstatistic,p50,p99\nunix_timestamp,,\n1681857120.0,0.5\n", "has 2 cells, want 3"},
		{"bad number", "microservice,a\nmetric,latency\nstatistic,p50\nunix_timestamp,\n1681857120.0,fast\n", "column 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".csv")
			if err := os.WriteFile(p, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			tab, err := readTable(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v, ok := tab.column("b", "availability", "Average")
			if !ok || len(tab.Times) != 2 || !math.IsNaN(v[0]) || v[1] != 99 {
				t.Fatalf("table %+v", tab)
			}
		})
	}
}

func TestTableSliceWithout(t *testing.T) {
	tab := Table{Times: []time.Time{{}, {}, {}, {}}, Columns: []Column{{Node: "a", Values: []float64{1, 2, 3, 4}}}}
	if got := tab.slice(1, 3).Columns[0].Values; len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("slice %v", got)
	}
	w := tab.without(1, 3)
	if got := w.Columns[0].Values; len(got) != 2 || got[0] != 1 || got[1] != 4 || len(w.Times) != 2 {
		t.Fatalf("without %v", got)
	}
	if tab.Columns[0].Values[1] != 2 {
		t.Fatal("the source table changed")
	}
}
