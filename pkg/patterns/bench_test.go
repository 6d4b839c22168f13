package patterns

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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

// BenchmarkMinerMemory is the worst case for memory: every line a new event (a fixed word
// never seen before), so the template cap and its eviction are what bound the heap. It
// reports the live heap after the lines, which stays flat however many lines are fed.
func BenchmarkMinerMemory(b *testing.B) {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	var heap float64
	var patterns int
	for b.Loop() {
		m := New(Config{})
		for i := range 1_000_000 {
			m.Add(letters(i) + " " + letters(i*7+3) + " " + words[i%8] + " happened on node " + strconv.Itoa(i%50))
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = float64(ms.HeapAlloc) / (1 << 20)
		patterns = m.Len()
		runtime.KeepAlive(m)
	}
	b.ReportMetric(heap, "heap-MiB")
	b.ReportMetric(float64(patterns), "patterns")
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "lines/s")
}

// letters spells n in base 26 with letters only, so the miner sees a word, not a value.
func letters(n int) string {
	b := []byte("ev")
	for n > 0 || len(b) == 2 {
		b = append(b, byte('a'+n%26))
		n /= 26
	}
	return string(b)
}
