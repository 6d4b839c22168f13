package evidence_test

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// tempoModel is what a fake Tempo holds: per service, its error-span rate and p99 span
// duration at any time, and the start times of its error spans.
type tempoModel struct {
	errorRate  map[string]func(time.Time) float64
	p99        map[string]func(time.Time) float64
	errorSpans map[string][]time.Time
}

// fakeTempo answers as Tempo's query frontend does (testdata/README.md): TraceQL metrics
// on /api/metrics/query_range and searches on /api/search, in the protobuf-JSON form
// Tempo writes (64-bit integers as strings, zero values left out, enums by name). It
// evaluates the two query shapes the traces gatherer sends against the model, selecting
// services with the query's own regular expression. metricsFailure, when set, is how a
// Tempo without TraceQL metrics answers that path; failing answers given queries with
// a status and text, as Tempo writes errors.
type fakeTempo struct {
	t              *testing.T
	model          tempoModel
	metricsFailure *lokiFailure
	failing        map[string]lokiFailure

	mu      sync.Mutex
	queries []string
}

func (f *fakeTempo) start() *httptest.Server {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeTempo) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func (f *fakeTempo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.queries = append(f.queries, q.Get("q"))
	f.mu.Unlock()
	if fail, ok := f.failing[q.Get("q")]; ok {
		writeText(w, fail)
		return
	}
	start, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	if err1 != nil || err2 != nil || end <= start {
		writeText(w, lokiFailure{http.StatusBadRequest, "invalid start or end"})
		return
	}
	from, to := time.Unix(start, 0), time.Unix(end, 0)
	switch r.URL.Path {
	case "/api/metrics/query_range":
		if f.metricsFailure != nil {
			writeText(w, *f.metricsFailure)
			return
		}
		if q.Get("query") != q.Get("q") {
			f.t.Errorf("query %q and q %q differ", q.Get("query"), q.Get("q"))
		}
		step, err := model.ParseDuration(q.Get("step"))
		if err != nil {
			writeText(w, lokiFailure{http.StatusBadRequest, "invalid step: " + err.Error()})
			return
		}
		f.queryRange(w, q.Get("q"), from, to, time.Duration(step))
	case "/api/search":
		limit, _ := strconv.Atoi(q.Get("limit"))
		spss, _ := strconv.Atoi(q.Get("spss"))
		f.search(w, q.Get("q"), from, to, limit, spss)
	default:
		writeText(w, lokiFailure{http.StatusNotFound, "404 page not found"})
	}
}

func writeText(w http.ResponseWriter, fail lokiFailure) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(fail.status)
	fmt.Fprintln(w, fail.msg)
}

// services are the model's services the query's selector picks.
var selectorRE = regexp.MustCompile(`resource\.service\.name (=~|=) ("(?:[^"\\]|\\.)*")`)

func selected(q string, services []string) []string {
	m := selectorRE.FindStringSubmatch(q)
	if m == nil {
		return nil
	}
	v, err := strconv.Unquote(m[2])
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range services {
		if m[1] == "=" && s == v || m[1] == "=~" && regexp.MustCompile(`^(?:`+v+`)$`).MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

func keysOf(m map[string]func(time.Time) float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type kv struct {
	Key   string         `json:"key"`
	Value map[string]any `json:"value"`
}

// queryRange evaluates "| rate() by (...)" or "| quantile_over_time(duration, .99) by
// (...)": one sample per step from start, zero values left out as jsonpb does.
func (f *fakeTempo) queryRange(w http.ResponseWriter, q string, from, to time.Time, step time.Duration) {
	fn, labels := f.model.errorRate, func(svc string) []kv {
		return []kv{{"resource.service.name", map[string]any{"stringValue": svc}}}
	}
	if strings.Contains(q, "quantile_over_time(duration, .99)") {
		fn = f.model.p99
		base := labels
		labels = func(svc string) []kv { return append([]kv{{"p", map[string]any{"doubleValue": 0.99}}}, base(svc)...) }
	} else if !strings.Contains(q, "| rate()") {
		writeText(w, lokiFailure{http.StatusBadRequest, "invalid TraceQL query: unsupported in this fake"})
		return
	}
	var series []map[string]any
	for _, svc := range selected(q, keysOf(fn)) {
		var samples []map[string]any
		for t := from; !t.After(to); t = t.Add(step) {
			s := map[string]any{"timestampMs": strconv.FormatInt(t.UnixMilli(), 10)}
			if v := fn[svc](t); v != 0 {
				s["value"] = v
			}
			samples = append(samples, s)
		}
		series = append(series, map[string]any{"labels": labels(svc), "samples": samples})
	}
	writeJSON(w, map[string]any{
		"series":  series,
		"metrics": map[string]any{"inspectedTraces": 1204, "inspectedBytes": "5242880", "completedJobs": 4, "totalJobs": 4},
	})
}

// search returns one trace per error span in [from, to] of the selected services, newest
// first, at most limit, grouped by service as | by(resource.service.name) asks.
func (f *fakeTempo) search(w http.ResponseWriter, q string, from, to time.Time, limit, spss int) {
	if !strings.HasSuffix(q, "&& status = error } | by(resource.service.name)") || spss < 1 {
		writeText(w, lokiFailure{http.StatusBadRequest, "invalid TraceQL query: unsupported in this fake"})
		return
	}
	var services []string
	for svc := range f.model.errorSpans {
		services = append(services, svc)
	}
	slices.Sort(services)
	var traces []map[string]any
	for _, svc := range selected(q, services) {
		for _, at := range f.model.errorSpans[svc] {
			if at.Before(from) || at.After(to) {
				continue
			}
			ns := strconv.FormatInt(at.UnixNano(), 10)
			set := map[string]any{
				"spans": []map[string]any{{
					"spanID": fmt.Sprintf("%016x", at.UnixNano()), "startTimeUnixNano": ns, "durationNanos": "120000000",
					"attributes": []kv{{"status", map[string]any{"stringValue": "error"}}},
				}},
				"matched":    1,
				"attributes": []kv{{"by(resource.service.name)", map[string]any{"stringValue": svc}}},
			}
			traces = append(traces, map[string]any{
				"traceID": fmt.Sprintf("%x", fnvHash(svc+ns)), "rootServiceName": "frontend", "rootTraceName": "GET /cart",
				"startTimeUnixNano": ns, "durationMs": 130, "spanSet": set, "spanSets": []any{set},
			})
		}
	}
	slices.SortFunc(traces, func(a, b map[string]any) int {
		return strings.Compare(b["startTimeUnixNano"].(string), a["startTimeUnixNano"].(string))
	})
	traces = traces[:min(limit, len(traces))]
	writeJSON(w, map[string]any{
		"traces":  traces,
		"metrics": map[string]any{"inspectedTraces": 3100, "inspectedBytes": "3811736", "completedJobs": 2, "totalJobs": 2},
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// jitter is a deterministic ±5 % noise for the model's values.
func jitter(key string, t time.Time) float64 {
	return 1 + 0.1*(float64(fnvHash(fmt.Sprint(key, t.Unix()))%1000)/1000-0.5)
}
