package patterns

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// loghubLines reads the raw lines of every Loghub-2k system (32,000 lines), the
// "Loghub-style lines" the throughput target is stated on.
func loghubLines(tb testing.TB) []string {
	dir := datasets.Dir(tb, "loghub-2k")
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*_2k.log"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no Loghub logs under %s: %v", dir, err)
	}
	var lines []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
		}
		f.Close()
	}
	return lines
}

// BenchmarkMinerLoghub feeds all 32,000 raw Loghub lines (headers and all, as Loki stores
// them) to a fresh miner per iteration, so every pattern is discovered each time; lines/s
// is the figure the throughput target is stated in.
func BenchmarkMinerLoghub(b *testing.B) {
	lines := loghubLines(b)
	b.ReportAllocs()
	var patterns int
	for b.Loop() {
		m := New(Config{})
		for _, l := range lines {
			m.Add(l)
		}
		patterns = m.Len()
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(patterns), "patterns")
}
