package evidence_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// lokiLine is one log line held by fakeLoki.
type lokiLine struct {
	ns   int64
	line string
	pod  string
}

// lokiFailure is an error answer, as Loki writes them: text/plain, the message alone.
type lokiFailure struct {
	status int
	msg    string
}

// fakeLoki answers GET /loki/api/v1/query_range for fixed queries as Loki does
// (testdata/README.md): entries with start <= ts < end, the first limit of them in
// direction order, grouped by stream, timestamps as strings of Unix nanoseconds, in the
// documented "streams" answer with its stats block. A query it does not hold selects no
// stream, as an unknown label value does.
type fakeLoki struct {
	t       *testing.T
	label   string                // the stream label naming a service
	lines   map[string][]lokiLine // LogQL → lines
	failing map[string]lokiFailure

	mu      sync.Mutex
	queries []string
}

func (f *fakeLoki) start() *httptest.Server {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeLoki) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/loki/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	query := q.Get("query")
	f.mu.Lock()
	f.queries = append(f.queries, query)
	f.mu.Unlock()
	if fail, ok := f.failing[query]; ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(fail.status)
		fmt.Fprintln(w, fail.msg)
		return
	}
	start, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	limit, err3 := strconv.Atoi(q.Get("limit"))
	dir := q.Get("direction")
	if err1 != nil || err2 != nil || err3 != nil || (dir != "forward" && dir != "backward") || limit > 5000 {
		f.t.Errorf("bad request %v", q)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var sel []lokiLine
	for _, l := range f.lines[query] {
		if l.ns >= start && l.ns < end {
			sel = append(sel, l)
		}
	}
	slices.SortStableFunc(sel, func(a, b lokiLine) int {
		if dir == "backward" {
			return cmp.Compare(b.ns, a.ns)
		}
		return cmp.Compare(a.ns, b.ns)
	})
	sel = sel[:min(limit, len(sel))]
	writeStreams(w, f.label, query, sel)
}

// writeStreams writes lines as Loki's answer, one stream per pod.
func writeStreams(w http.ResponseWriter, label, query string, lines []lokiLine) {
	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	byPod := map[string]*stream{}
	result := []*stream{}
	for _, l := range lines {
		s := byPod[l.pod]
		if s == nil {
			s = &stream{Stream: map[string]string{label: serviceOf(query), "pod": l.pod}}
			byPod[l.pod] = s
			result = append(result, s)
		}
		s.Values = append(s.Values, [2]string{strconv.FormatInt(l.ns, 10), l.line})
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(map[string]any{
		"status": "success",
		"data": map[string]any{
			"resultType": "streams",
			"result":     result,
			"stats": map[string]any{"summary": map[string]any{
				"bytesProcessedPerSecond": 0, "execTime": 0, "linesProcessedPerSecond": 0,
				"queueTime": 0, "totalBytesProcessed": 0, "totalLinesProcessed": len(lines),
			}},
		},
	})
}

// serviceOf reads the label value back out of {label="value"} ..., for the stream labels.
func serviceOf(query string) string {
	var v string
	for i := 0; i < len(query); i++ {
		if query[i] == '"' {
			v, _ = strconv.QuotedPrefix(query[i:])
			v, _ = strconv.Unquote(v)
			break
		}
	}
	return v
}
