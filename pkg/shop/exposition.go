package shop

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Metric names the shop exposes. They follow the Prometheus client libraries,
// kube-state-metrics and Tempo's service-graph processor, so that queries written for the
// shop work on real services.
const (
	MetricRequests      = "http_requests_total"
	MetricDuration      = "http_request_duration_seconds"
	MetricCPU           = "process_cpu_seconds_total"
	MetricMemory        = "process_resident_memory_bytes"
	MetricRestarts      = "kube_pod_container_status_restarts_total"
	MetricBuildInfo     = "shop_build_info"
	MetricStorageUsed   = "shop_storage_used_bytes"
	MetricStorageCap    = "shop_storage_capacity_bytes"
	MetricGraphRequests = "traces_service_graph_request_total"
	MetricGraphFailed   = "traces_service_graph_request_failed_total"
	// ServiceLabel names the service on every per-service metric.
	ServiceLabel = "service"
)

// family is one metric family of an exposition.
type family struct {
	name, typ, help string
	samples         []sample
}

// sample is one value of a series; labels are name, value pairs in order.
type sample struct {
	name   string
	labels []string
	value  float64
}

// series renders the sample's name and labels, the identity of its series.
func (s sample) series() string {
	if len(s.labels) == 0 {
		return s.name
	}
	var b strings.Builder
	b.WriteString(s.name)
	b.WriteByte('{')
	for i := 0; i+1 < len(s.labels); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		// strconv.Quote is the exposition formats' quoting for the printable ASCII that
		// service names and versions consist of.
		fmt.Fprintf(&b, "%s=%s", s.labels[i], strconv.Quote(s.labels[i+1]))
	}
	b.WriteByte('}')
	return b.String()
}

// families advances the counters to t and returns every metric at t.
func (s *Shop) families(t time.Time) []family {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(t)
	svcLabel := func(i int, more ...string) []string {
		return append([]string{ServiceLabel, s.services[i].Name}, more...)
	}
	req := family{name: MetricRequests, typ: "counter", help: "HTTP requests served, by status code."}
	dur := family{name: MetricDuration, typ: "histogram", help: "Time to serve an HTTP request."}
	cpu := family{name: MetricCPU, typ: "counter", help: "CPU time used, in seconds."}
	mem := family{name: MetricMemory, typ: "gauge", help: "Resident memory, in bytes."}
	restarts := family{name: MetricRestarts, typ: "counter", help: "Container restarts."}
	build := family{name: MetricBuildInfo, typ: "gauge", help: "The release each service runs (1)."}
	used := family{name: MetricStorageUsed, typ: "gauge", help: "Disk space used, in bytes."}
	capacity := family{name: MetricStorageCap, typ: "gauge", help: "Disk capacity, in bytes."}
	for i, svc := range s.services {
		a := s.acc[i]
		req.samples = append(req.samples,
			sample{MetricRequests, svcLabel(i, "code", "200"), a.ok},
			sample{MetricRequests, svcLabel(i, "code", "500"), a.failed})
		for b, le := range Buckets {
			dur.samples = append(dur.samples, sample{MetricDuration + "_bucket", svcLabel(i, "le", strconv.FormatFloat(le, 'g', -1, 64)), a.buckets[b]})
		}
		total := a.ok + a.failed
		dur.samples = append(dur.samples,
			sample{MetricDuration + "_bucket", svcLabel(i, "le", "+Inf"), total},
			sample{MetricDuration + "_sum", svcLabel(i), a.sum},
			sample{MetricDuration + "_count", svcLabel(i), total})
		cpu.samples = append(cpu.samples, sample{MetricCPU, svcLabel(i), a.cpu})
		tick := t.Sub(s.cfg.Start.Truncate(Tick)) / Tick
		mem.samples = append(mem.samples, sample{MetricMemory, svcLabel(i), float64(int64(svc.Memory * (1 + 0.02*s.noise(i, 5, tick/60))))})
		restarts.samples = append(restarts.samples, sample{MetricRestarts, svcLabel(i), 0})
		build.samples = append(build.samples, sample{MetricBuildInfo, svcLabel(i, "version", s.version(i, t)), 1})
		if svc.StorageBytes > 0 {
			used.samples = append(used.samples, sample{MetricStorageUsed, svcLabel(i), s.storageUsed(i, t)})
			capacity.samples = append(capacity.samples, sample{MetricStorageCap, svcLabel(i), svc.StorageBytes})
		}
	}
	graph := family{name: MetricGraphRequests, typ: "counter", help: "Requests between services, as Tempo's service-graph processor counts them."}
	failed := family{name: MetricGraphFailed, typ: "counter", help: "Failed requests between services."}
	for _, e := range s.edges {
		l := []string{"client", e.client, "server", e.server}
		graph.samples = append(graph.samples, sample{MetricGraphRequests, l, e.requests})
		failed.samples = append(failed.samples, sample{MetricGraphFailed, l, e.failed})
	}
	return []family{req, dur, cpu, mem, restarts, build, used, capacity, graph, failed}
}

// textContentType is the Prometheus text format 0.0.4.
const textContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteText writes every metric at t in the Prometheus text format, without timestamps
// (Prometheus stamps them with the scrape time). t must not go back in time.
func (s *Shop) WriteText(w io.Writer, t time.Time) error {
	bw := bufio.NewWriter(w)
	for _, f := range s.families(t) {
		if len(f.samples) == 0 {
			continue
		}
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.typ)
		for _, smp := range f.samples {
			fmt.Fprintf(bw, "%s %s\n", smp.series(), formatFloat(smp.value))
		}
	}
	return bw.Flush()
}

// Handler serves the metrics at now() on /metrics; other paths get 404.
func (s *Shop) Handler(now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", textContentType)
		if r.Method == http.MethodHead {
			return
		}
		// A failed write means the scraper went away; no one is left to tell.
		_ = s.WriteText(w, now())
	})
	return mux
}

// WriteHistory writes the metrics every step from start to end (both included, on
// multiples of step since the Unix epoch) as OpenMetrics text for `promtool tsdb
// create-blocks-from openmetrics`, advancing the shop to end. Samples are grouped by
// series, in time order within each, as promtool's importer expects; no metadata is
// written, because OpenMetrics names counters differently (without _total) from the
// text format the live exporter serves, and the stored samples are the same without it.
// step must be a whole number of seconds: promtool truncates fractional timestamps.
func (s *Shop) WriteHistory(w io.Writer, start, end time.Time, step time.Duration) error {
	if step <= 0 || step%time.Second != 0 {
		return fmt.Errorf("shop: history step %v is not a positive whole number of seconds", step)
	}
	if end.Before(start) {
		return fmt.Errorf("shop: history end %s is before its start %s", end, start)
	}
	stepSec := int64(step / time.Second)
	first := (start.Unix() + stepSec - 1) / stepSec * stepSec
	if start.Unix() < 0 {
		return fmt.Errorf("shop: history start %s is before 1970", start)
	}
	type points struct {
		times  []int64
		values []float64
	}
	var keys []string
	byKey := map[string]*points{}
	for ts := first; ts <= end.Unix(); ts += stepSec {
		for _, f := range s.families(time.Unix(ts, 0)) {
			for _, smp := range f.samples {
				k := smp.series()
				p := byKey[k]
				if p == nil {
					p = &points{}
					byKey[k] = p
					keys = append(keys, k)
				}
				p.times = append(p.times, ts)
				p.values = append(p.values, smp.value)
			}
		}
	}
	bw := bufio.NewWriter(w)
	for _, k := range keys {
		p := byKey[k]
		for j, ts := range p.times {
			fmt.Fprintf(bw, "%s %s %d\n", k, formatFloat(p.values[j]), ts)
		}
	}
	bw.WriteString("# EOF\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("shop: write history: %w", err)
	}
	return nil
}

// formatFloat writes v with the fewest digits that read back as v.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
