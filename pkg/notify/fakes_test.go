package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakePagerDuty behaves like the Events API v2 enqueue endpoint: it validates events as
// PagerDuty documents them and answers 202, 400 or, when throttled, 429.
type fakePagerDuty struct {
	*httptest.Server
	mu         sync.Mutex
	events     []map[string]any // raw, to assert field by field
	throttle   string           // Retry-After of the next answer: 429 when non-empty
	fail500    bool
	routingKey string
}

func newFakePagerDuty(t *testing.T, routingKey string) *fakePagerDuty {
	f := &fakePagerDuty{routingKey: routingKey}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePagerDuty) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue":
		w.WriteHeader(http.StatusNotFound)
		return
	case f.throttle != "":
		w.Header().Set("Retry-After", f.throttle)
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"status":"throttle event","message":"Requests for this service are arriving too quickly.  Please retry later."}`)
		return
	case f.fail500:
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var ev map[string]any
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		f.invalid(w, "Event object is invalid")
		return
	}
	if problems := f.validate(ev); len(problems) > 0 {
		f.invalid(w, problems...)
		return
	}
	f.events = append(f.events, ev)
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":%q}`, ev["dedup_key"])
}

func (f *fakePagerDuty) validate(ev map[string]any) []string {
	var problems []string
	if ev["routing_key"] != f.routingKey {
		problems = append(problems, "'routing_key' is invalid")
	}
	action, _ := ev["event_action"].(string)
	if !slices.Contains([]string{"trigger", "acknowledge", "resolve"}, action) {
		problems = append(problems, "'event_action' is invalid")
	}
	if dk, _ := ev["dedup_key"].(string); len(dk) > 255 {
		problems = append(problems, "'dedup_key' is too long")
	}
	if action != "trigger" {
		return problems
	}
	p, _ := ev["payload"].(map[string]any)
	if s, _ := p["summary"].(string); s == "" || len([]rune(s)) > 1024 {
		problems = append(problems, "'payload.summary' is missing or too long")
	}
	if s, _ := p["source"].(string); s == "" {
		problems = append(problems, "'payload.source' is missing")
	}
	if s, _ := p["severity"].(string); !slices.Contains([]string{"critical", "error", "warning", "info"}, s) {
		problems = append(problems, "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
	}
	return problems
}

func (f *fakePagerDuty) invalid(w http.ResponseWriter, errs ...string) {
	w.WriteHeader(http.StatusBadRequest)
	b, _ := json.Marshal(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
	_, _ = w.Write(b)
}

func (f *fakePagerDuty) received() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

// fakeSlack behaves like an incoming webhook: 200 "ok", 400 "invalid_payload" for a body
// that is not a message, or whatever status and text it is told to answer.
type fakeSlack struct {
	*httptest.Server
	path       string
	mu         sync.Mutex
	messages   []map[string]any
	status     int    // forced answer when non-zero
	text       string // its body
	retryAfter string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{path: "/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX"}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSlack) webhookURL() string { return f.URL + f.path }

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "text/html")
	if r.URL.Path != f.path {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "no_service")
		return
	}
	if f.status != 0 {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.text)
		return
	}
	var msg map[string]any
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&msg) != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "invalid_payload")
		return
	}
	if text, _ := msg["text"].(string); text == "" && msg["blocks"] == nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "missing_text_or_fallback_or_attachments")
		return
	}
	f.messages = append(f.messages, msg)
	fmt.Fprint(w, "ok")
}

func (f *fakeSlack) set(status int, text, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.text, f.retryAfter = status, text, retryAfter
}

func (f *fakeSlack) received() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.messages)
}

// fakeGrafana serves the annotations API: POST creates and answers the id, PATCH
// /api/annotations/:id updates, GET finds by tags (all must match); a wrong bearer token
// gets 401.
type fakeGrafana struct {
	*httptest.Server
	token    string
	mu       sync.Mutex
	nextID   int64
	byID     map[int64]map[string]any
	requests []string // "METHOD path", in order
	orgIDs   []string // X-Grafana-Org-Id of each request
}

func newFakeGrafana(t *testing.T, token string) *fakeGrafana {
	f := &fakeGrafana{token: token, byID: map[int64]map[string]any{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGrafana) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.orgIDs = append(f.orgIDs, r.Header.Get("X-Grafana-Org-Id"))
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"invalid API key","traceID":""}`)
		return
	}
	idStr, hasID := strings.CutPrefix(r.URL.Path, "/api/annotations/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/annotations":
		var a map[string]any
		if json.NewDecoder(r.Body).Decode(&a) != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"message":"bad request data"}`)
			return
		}
		f.nextID++
		f.byID[f.nextID] = a
		fmt.Fprintf(w, `{"message":"Annotation added","id":%d}`, f.nextID)
	case r.Method == http.MethodPatch && hasID:
		id, _ := strconv.ParseInt(idStr, 10, 64)
		a, ok := f.byID[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Could not find annotation to update"}`)
			return
		}
		var p map[string]any
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &p) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for k, v := range p {
			a[k] = v
		}
		fmt.Fprint(w, `{"message":"Annotation patched"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/api/annotations":
		want := r.URL.Query()["tags"]
		out := []map[string]any{}
		for id := int64(1); id <= f.nextID; id++ {
			if a, ok := f.byID[id]; ok && hasTags(a, want) {
				out = append(out, map[string]any{"id": id, "tags": a["tags"]})
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not found"}`)
	}
}

func hasTags(a map[string]any, want []string) bool {
	have := map[string]bool{}
	tags, _ := a["tags"].([]any)
	for _, t := range tags {
		s, _ := t.(string)
		have[s] = true
	}
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

func (f *fakeGrafana) annotation(id int64) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byID[id]
}

func (f *fakeGrafana) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}
