package evidence_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// grafanaAnnotation is one annotation as GET /api/annotations returns it: every field of
// the documented example response (testdata/README.md).
type grafanaAnnotation struct {
	ID           int64          `json:"id"`
	AlertID      int64          `json:"alertId"`
	DashboardID  int64          `json:"dashboardId"`
	DashboardUID string         `json:"dashboardUID"`
	PanelID      int64          `json:"panelId"`
	UserID       int64          `json:"userId"`
	UserName     string         `json:"userName"`
	NewState     string         `json:"newState"`
	PrevState    string         `json:"prevState"`
	Time         int64          `json:"time"`
	TimeEnd      int64          `json:"timeEnd"`
	Text         string         `json:"text"`
	Metric       string         `json:"metric"`
	Tags         []string       `json:"tags"`
	Data         map[string]any `json:"data"`
}

// fakeGrafana answers GET /api/annotations over a fixed set of annotations as Grafana's
// SQL store does (pkg/services/annotations/annotationsimpl/xorm_store.go): an annotation
// is in [from, to] when it starts before to and ends after from; type=annotation keeps
// those without an alert; repeated tags must all match unless matchAny=true; newest
// first; at most limit. It requires the bearer token and answers 401 without it, in
// Grafana's {"message": ...} error shape. With file set it replays that file instead.
type fakeGrafana struct {
	t           *testing.T
	token       string
	annotations []grafanaAnnotation
	file        string

	mu   sync.Mutex
	reqs []*http.Request
}

func (f *fakeGrafana) start() *httptest.Server {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeGrafana) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *fakeGrafana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Clone(r.Context()))
	f.mu.Unlock()
	if r.URL.Path != "/api/annotations" || r.Method != http.MethodGet {
		writeGrafanaError(w, http.StatusNotFound, "Not found")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		writeGrafanaError(w, http.StatusUnauthorized, "Invalid API key")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.file != "" {
		body, err := os.ReadFile("testdata/" + f.file)
		if err != nil {
			f.t.Errorf("read %s: %v", f.file, err)
		}
		w.Write(body)
		return
	}
	q := r.URL.Query()
	from, _ := strconv.ParseInt(q.Get("from"), 10, 64)
	to, _ := strconv.ParseInt(q.Get("to"), 10, 64)
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil {
		limit = 100 // Grafana's default
	}
	matchAny, _ := strconv.ParseBool(q.Get("matchAny"))
	var out []grafanaAnnotation
	for _, a := range f.annotations {
		end := max(a.TimeEnd, a.Time)
		switch {
		case a.Time > to || end < from:
		case q.Get("type") == "annotation" && a.AlertID != 0:
		case q.Get("type") == "alert" && a.AlertID == 0:
		case !tagsMatch(a.Tags, q["tags"], matchAny):
		default:
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b grafanaAnnotation) int { return cmp.Compare(b.Time, a.Time) })
	out = out[:min(limit, len(out))]
	if out == nil {
		out = []grafanaAnnotation{}
	}
	json.NewEncoder(w).Encode(out)
}

func tagsMatch(have, want []string, any bool) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		found := slices.Contains(have, w)
		if any && found {
			return true
		}
		if !any && !found {
			return false
		}
	}
	return !any
}

func writeGrafanaError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
