package plugin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

type lokiEntry struct {
	ns   int64
	line string
}

// replayLoki answers /loki/api/v1/query_range the way Loki does (streams of
// [timestamp_ns, line] values; start inclusive, end exclusive; limit and direction honoured;
// errors as text/plain) from a fixed set of entries of one stream.
func replayLoki(t *testing.T, entries []lokiEntry, requests *int) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/loki/api/v1/query_range" {
			http.NotFound(w, r)
			return
		}
		*requests++
		q := r.URL.Query()
		if !strings.HasPrefix(q.Get("query"), `{app="shop"}`) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "parse error at line 1, col 2: syntax error: unexpected IDENTIFIER")
			return
		}
		start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
		end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
		limit, _ := strconv.Atoi(q.Get("limit"))
		var sel []lokiEntry
		for _, e := range entries {
			if e.ns >= start && e.ns < end {
				sel = append(sel, e)
			}
		}
		if q.Get("direction") == "backward" {
			slices.Reverse(sel)
		}
		sel = sel[:min(limit, len(sel))]
		values := make([][2]string, len(sel))
		for i, e := range sel {
			values[i] = [2]string{strconv.FormatInt(e.ns, 10), e.line}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{
			"resultType": "streams",
			"result":     []any{map[string]any{"stream": map[string]string{"app": "shop"}, "values": values}},
		}})
	}))
}

// shopLogs is two hours of a service's logs, one minute apart: steady request lines, and
// in the last ten minutes a new error that surges.
func shopLogs(start time.Time) []lokiEntry {
	var out []lokiEntry
	for i := range 120 {
		at := start.Add(time.Duration(i) * time.Minute).UnixNano()
		out = append(out, lokiEntry{at, fmt.Sprintf("GET /cart/%d 200 %dms", 1000+i, 20+i%9)})
		out = append(out, lokiEntry{at + 1, fmt.Sprintf("GET /item/%d 200 %dms", 5000+i, 10+i%4)})
		if i >= 110 {
			for k := range 20 {
				out = append(out, lokiEntry{at + 2 + int64(k), fmt.Sprintf("payment failed: timeout after %dms calling payments-%d", 3000+k, k%3)})
			}
		}
	}
	return out
}

func TestPatternsQuery(t *testing.T) {
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var requests int
	srv := replayLoki(t, shopLogs(start), &requests)
	defer srv.Close()
	ds := instance(t, map[string]any{"lokiUrl": srv.URL}, nil)
	q := backend.DataQuery{
		RefID: "A", Interval: time.Minute,
		TimeRange: backend.TimeRange{From: start, To: start.Add(119*time.Minute + time.Second)},
		JSON:      []byte(`{"kind":"patterns","expr":"{app=\"shop\"}","topPatterns":5}`),
	}
	r := runQuery(t, ds, q, false)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if len(r.Frames) != 3 { // two count series and the table
		t.Fatalf("%d frames, want 2 series and a table", len(r.Frames))
	}
	series, table := r.Frames[:2], r.Frames[2]
	if got := series[0].Name; got != "GET <*> <*> <*>" {
		t.Errorf("top pattern %q", got)
	}
	if n := series[0].Fields[1].Len(); n != 120 {
		t.Errorf("%d buckets, want 120", n)
	}
	var total float64
	for i := range series[0].Fields[1].Len() {
		total += series[0].Fields[1].At(i).(float64)
	}
	if total != 240 {
		t.Errorf("top pattern counted %v lines, want 240", total)
	}
	if table.Name != framePatternsTable || table.Rows() != 1 {
		t.Fatalf("table %q with %d rows, want the one new, surging pattern", table.Name, table.Rows())
	}
	row := func(name string) any {
		f, _ := table.FieldByName(name)
		return f.At(0)
	}
	if row(fieldPattern) != "payment failed: timeout after <*> calling <*>" || row(fieldNew) != true || row(fieldSurging) != true {
		t.Errorf("flagged row: %v new=%v surging=%v", row(fieldPattern), row(fieldNew), row(fieldSurging))
	}
	if !row(fieldFirstSeen).(time.Time).Equal(start.Add(110 * time.Minute)) {
		t.Errorf("first seen %v", row(fieldFirstSeen))
	}
	if ex := row(fieldExamples).(string); !strings.HasPrefix(ex, "payment failed: timeout after 3000ms calling payments-0") {
		t.Errorf("examples %q", ex)
	}
	if _, err := data.Frames(r.Frames).MarshalArrow(); err != nil {
		t.Fatalf("frames do not encode: %v", err)
	}
	if alert := runQuery(t, ds, q, true); alert.Error != nil || len(alert.Frames) != 2 || alert.Frames[1].Name == framePatternsTable {
		t.Fatalf("alert rules should get the count series only: %d frames, error %v", len(alert.Frames), alert.Error)
	}
}

func TestPatternsQueryTruncatesToNewestLines(t *testing.T) {
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var requests int
	srv := replayLoki(t, shopLogs(start), &requests)
	defer srv.Close()
	ds := instance(t, map[string]any{"lokiUrl": srv.URL}, nil)
	q := backend.DataQuery{
		RefID: "A", Interval: time.Minute,
		TimeRange: backend.TimeRange{From: start, To: start.Add(119 * time.Minute)},
		JSON:      []byte(`{"kind":"patterns","expr":"{app=\"shop\"}","maxLines":100}`),
	}
	r := runQuery(t, ds, q, false)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	notices := r.Frames[0].Meta.Notices
	if len(notices) == 0 || !strings.Contains(notices[0].Text, "more than 100 lines") {
		t.Fatalf("no truncation notice: %+v", notices)
	}
}

func TestPatternsQueryErrors(t *testing.T) {
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var requests int
	srv := replayLoki(t, shopLogs(start), &requests)
	defer srv.Close()
	tests := []struct {
		name     string
		settings map[string]any
		json     string
		status   backend.Status
		want     string
	}{
		{"no Loki URL", map[string]any{}, `{"kind":"patterns","expr":"{app=\"shop\"}"}`, backend.StatusBadRequest, "Loki URL is not set"},
		{"not a stream selector", map[string]any{"lokiUrl": srv.URL}, `{"kind":"patterns","expr":"app=shop"}`, backend.StatusBadRequest, "stream selector"},
		{"Loki refuses the query", map[string]any{"lokiUrl": srv.URL}, `{"kind":"patterns","expr":"{app=\"other\"} |= \"x\""}`, backend.StatusBadRequest, "parse error at line 1"},
		{"Loki unreachable", map[string]any{"lokiUrl": "http://127.0.0.1:1"}, `{"kind":"patterns","expr":"{app=\"shop\"}"}`, backend.StatusBadGateway, "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := instance(t, tc.settings, nil)
			q := backend.DataQuery{RefID: "A", Interval: time.Minute, JSON: []byte(tc.json),
				TimeRange: backend.TimeRange{From: start, To: start.Add(time.Hour)}}
			r := runQuery(t, ds, q, false)
			if r.Error == nil || r.Status != tc.status || !strings.Contains(r.Error.Error(), tc.want) {
				t.Fatalf("status %v error %v, want %v %q", r.Status, r.Error, tc.status, tc.want)
			}
		})
	}
}
