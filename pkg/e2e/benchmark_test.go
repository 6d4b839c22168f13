package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/foresight-aiops/foresight/pkg/plugin"
	"github.com/foresight-aiops/foresight/pkg/promtest"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/synthetic"
)

// benchSeries is the number of series the benchmarks query: enough that per-query overheads
// do not hide the per-point costs.
const benchSeries = 100

// benchProm is a real Prometheus with eight days of benchSeries daily-seasonal series.
func benchProm(b *testing.B) (*promtest.Server, time.Time) {
	anchor := time.Now().UTC().Truncate(time.Minute)
	s := synthetic.NewScenario(anchor)
	prom := promtest.Start(b, promtest.Options{Backfill: func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, "# HELP bench_load A synthetic load.\n# TYPE bench_load gauge\n")
		start, end := anchor.Add(-8*24*time.Hour).Unix()/60*60, anchor.Add(-2*time.Minute).Unix()
		for i := range benchSeries {
			svc := fmt.Sprintf("svc-%03d", i)
			for ts := start; ts <= end; ts += 60 {
				fmt.Fprintf(bw, "bench_load{service=%q} %g %d\n", svc, s.Normal(svc, time.Unix(ts, 0)), ts)
			}
		}
		fmt.Fprint(bw, "# EOF\n")
		return bw.Flush()
	}})
	return prom, anchor
}

func benchRequest(url string, uid int, anchor time.Time) *backend.QueryDataRequest {
	pc := pluginContext(map[string]any{"prometheusUrl": url})
	pc.DataSourceInstanceSettings.UID = fmt.Sprintf("bench-%d", uid)
	q := anomalyQuery("A", "bench_load", anchor.Add(-6*time.Hour), anchor)
	return &backend.QueryDataRequest{PluginContext: pc, Queries: []backend.DataQuery{q}}
}

// BenchmarkQueryData measures a panel of benchSeries series (6 h at 1 m, 7 d training) through
// the built plugin over gRPC, against the raw Prometheus query for the same panel.
//
//	go test -run '^$' -bench BenchmarkQueryData -benchtime 20x ./pkg/e2e/
func BenchmarkQueryData(b *testing.B) {
	prom, anchor := benchProm(b)
	p := startPlugin(b)
	b.Run("prometheus-panel-query", func(b *testing.B) {
		c, _ := prometheus.New(prom.URL, http.DefaultClient, prometheus.Options{})
		r := prometheus.Range{Start: anchor.Add(-6 * time.Hour).UnixMilli(), End: anchor.UnixMilli(), Step: 60_000}
		for b.Loop() {
			if _, err := c.QueryRange(context.Background(), "bench_load", r); err != nil {
				b.Fatal(err)
			}
		}
	})
	var uid atomic.Int64
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			resp := p.queryData(b, benchRequest(prom.URL, int(uid.Add(1)), anchor))
			if err := resp.Responses["A"].Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		req := benchRequest(prom.URL, 0, anchor)
		p.queryData(b, req)
		for b.Loop() {
			resp := p.queryData(b, req)
			if err := resp.Responses["A"].Error; err != nil {
				b.Fatal(err)
			}
		}
	})
}

var memUID atomic.Int64

// BenchmarkQueryDataPeakMemory reports the peak heap growth during one cold QueryData (in
// process, so the heap can be sampled) against the size of the raw points it fetched
// (16 bytes per timestamp and value).
//
//	go test -run '^$' -bench BenchmarkQueryDataPeakMemory -benchtime 5x ./pkg/e2e/
func BenchmarkQueryDataPeakMemory(b *testing.B) {
	prom, anchor := benchProm(b)
	var worst float64
	for range b.N {
		uid := int(memUID.Add(1)) // a new data source each time: nothing cached
		req := benchRequest(prom.URL, uid, anchor)
		inst, err := plugin.NewDatasource(context.Background(), *req.PluginContext.DataSourceInstanceSettings)
		if err != nil {
			b.Fatal(err)
		}
		ds := inst.(*plugin.Datasource)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > peak.Load() {
						peak.Store(m.HeapAlloc)
					}
				}
			}
		}()
		resp, err := ds.QueryData(context.Background(), req)
		close(done)
		if err != nil || resp.Responses["A"].Error != nil {
			b.Fatal(err, resp.Responses["A"].Error)
		}
		fetched := resp.Responses["A"].Frames[0].Meta.Stats[0].Value
		raw := fetched * 16
		ratio := float64(peak.Load()-min(peak.Load(), base.HeapAlloc)) / raw
		worst = max(worst, ratio)
		b.ReportMetric(raw/1e6, "raw-MB")
		b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/1e6, "peak-MB")
	}
	b.ReportMetric(worst, "peak/raw")
}
