package loghub

import (
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// templateCounts are the distinct templates per system, original and corrected (0: no
// corrected labels), as the data set's README lists them.
var templateCounts = map[string][2]int{
	"Android": {166, 0}, "Apache": {6, 6}, "BGL": {120, 120}, "HDFS": {14, 14}, "HPC": {46, 46},
	"Hadoop": {114, 114}, "HealthApp": {75, 75}, "Linux": {118, 118}, "Mac": {341, 341},
	"OpenSSH": {27, 26}, "OpenStack": {43, 43}, "Proxifier": {8, 8}, "Spark": {36, 36},
	"Thunderbird": {149, 149}, "Windows": {50, 0}, "Zookeeper": {50, 50},
}

// TestLoad reads every system and checks that its lines and labels line up.
func TestLoad(t *testing.T) {
	dir := datasets.Dir(t, "loghub-2k")
	for _, name := range Systems {
		t.Run(name, func(t *testing.T) {
			sys, err := Load(dir, name)
			if err != nil {
				t.Fatal(err)
			}
			if sys.Name != name {
				t.Errorf("Name = %q", sys.Name)
			}
			for what, n := range map[string]int{
				"Raw": len(sys.Raw), "Content": len(sys.Content),
				"original EventID": len(sys.Original.EventID), "original Template": len(sys.Original.Template),
			} {
				if n != 2000 {
					t.Errorf("%d %s lines, want 2000", n, what)
				}
			}
			for i, raw := range sys.Raw {
				if strings.Contains(raw, "\r") {
					t.Fatalf("line %d keeps a carriage return: %q", i+1, raw)
				}
				// Content is the message the log format cut from the line.
				if !strings.Contains(raw, strings.TrimSpace(sys.Content[i])) {
					t.Fatalf("line %d %q does not contain its Content %q", i+1, raw, sys.Content[i])
				}
			}
			want := templateCounts[name]
			if got := distinct(sys.Original.Template); got != want[0] {
				t.Errorf("%d original templates, want %d", got, want[0])
			}
			if sys.Original.GroupBy != ByEventID {
				t.Errorf("original labels group by %v, want ByEventID (logparser)", sys.Original.GroupBy)
			}
			switch {
			case want[1] == 0 && sys.Corrected != nil:
				t.Errorf("corrected labels loaded, but %s has none", name)
			case want[1] == 0:
			case sys.Corrected == nil:
				t.Errorf("no corrected labels")
			default:
				if len(sys.Corrected.Template) != 2000 || len(sys.Corrected.EventID) != 2000 {
					t.Errorf("%d corrected templates, %d event ids, want 2000", len(sys.Corrected.Template), len(sys.Corrected.EventID))
				}
				if got := distinct(sys.Corrected.Template); got != want[1] {
					t.Errorf("%d corrected templates, want %d", got, want[1])
				}
				if sys.Corrected.GroupBy != ByTemplate {
					t.Errorf("corrected labels group by %v, want ByTemplate (loghub-2.0)", sys.Corrected.GroupBy)
				}
			}
		})
	}
}

func TestLoadMissingSystem(t *testing.T) {
	if _, err := Load(t.TempDir(), "HDFS"); err == nil {
		t.Error("Load of an empty folder succeeded")
	}
}

// TestTruthScoresPerfect scores each labelling against itself.
func TestTruthScoresPerfect(t *testing.T) {
	dir := datasets.Dir(t, "loghub-2k")
	perfect := Scores{GA: 1, FGA: 1, PA: 1, FTA: 1}
	for _, name := range Systems {
		sys, err := Load(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := Score(sys.Original, sys.Original.Template); got != perfect {
			t.Errorf("%s original labels against themselves: %+v", name, got)
		}
		if sys.Corrected == nil {
			continue
		}
		if got := Score(*sys.Corrected, sys.Corrected.Template); got != perfect {
			t.Errorf("%s corrected labels against themselves: %+v", name, got)
		}
	}
}

func distinct(values []string) int {
	seen := map[string]bool{}
	for _, v := range values {
		seen[v] = true
	}
	return len(seen)
}
