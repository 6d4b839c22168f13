package tempo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
)

// fakeTempo replays recorded Tempo answers: each API path serves one file from testdata as
// Tempo does (200, application/json), and any other path gets the 404 Tempo's router
// gives. It keeps the requests it receives so tests can check their parameters.
type fakeTempo struct {
	t     *testing.T
	files map[string]string // API path → testdata file

	mu   sync.Mutex
	reqs []*http.Request
}

func newFakeTempo(t *testing.T, files map[string]string) (*fakeTempo, *Client) {
	f := &fakeTempo{t: t, files: files}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.Client(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fakeTempo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Clone(r.Context()))
	f.mu.Unlock()
	if r.Method != http.MethodGet {
		f.t.Errorf("method %s, want GET", r.Method)
	}
	file, ok := f.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r) // "404 page not found", as Tempo's mux router answers
		return
	}
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		f.t.Errorf("read %s: %v", file, err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// last is the last request received.
func (f *fakeTempo) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		f.t.Fatal("no request received")
	}
	return f.reqs[len(f.reqs)-1]
}

// count is the number of requests received.
func (f *fakeTempo) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// checkParams compares the query parameters of r with want, and rejects any other.
func checkParams(t *testing.T, r *http.Request, want map[string]string) {
	t.Helper()
	got := r.URL.Query()
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("parameter %s = %q, want %q", k, got.Get(k), v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected parameter %s=%q", k, got.Get(k))
		}
	}
}

// answer serves one fixed answer on every path.
func answer(t *testing.T, status int, ctype, body string) *Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		} else {
			w.Header()["Content-Type"] = nil // no sniffing: send no content type at all
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.Client(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
