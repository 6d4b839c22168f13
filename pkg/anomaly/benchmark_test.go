package anomaly

import (
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/series"
)

// BenchmarkDetect measures the default band model on the reference load: 1,000
// series of a week at one-minute steps (10,080 points each), one core.
//
//	go test -run '^$' -bench BenchmarkDetect -cpu 1 ./pkg/anomaly/
func BenchmarkDetect(b *testing.B) {
	const nSeries, nPoints = 1000, 7 * 1440
	corpus := make([]series.Series, nSeries)
	for i := range corpus {
		f := dailySine
		if i%3 == 1 {
			f = func(int64) float64 { return 50 }
		}
		corpus[i] = synth(nPoints, minute, 2+float64(i%5), uint64(i), f)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for _, s := range corpus {
			if _, _, err := Detect(s, DefaultConfig()); err != nil {
				b.Fatal(err)
			}
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)*nSeries*nPoints/elapsed.Seconds(), "points/s")
}
