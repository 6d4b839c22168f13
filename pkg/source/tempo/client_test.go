package tempo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	for _, u := range []string{"", "tempo:3200", "ftp://tempo", "http://", "://x"} {
		if _, err := New(u, http.DefaultClient, Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	c, err := New("https://traces.example.com/tempo/", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{SearchLimit: 20, SpansPerSpanSet: 3, MaxSpansPerSpanSet: 100, MaxResponseBytes: 64 << 20}
	if c.base != "https://traces.example.com/tempo" || c.http != http.DefaultClient || c.opts != want {
		t.Errorf("client %+v", c)
	}
}

// search runs a valid search against c.
func search(c *Client) error {
	_, err := c.Search(context.Background(), SearchRequest{Query: "{ status = error }", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)})
	return err
}

func TestSearchErrors(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
		want              []string
		notTempo          bool
		apiStatus         int
	}{
		{name: "invalid TraceQL", status: 400, ctype: "text/plain; charset=utf-8",
			body: "invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER",
			want: []string{"search: Tempo answered HTTP 400: invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER"}, apiStatus: 400},
		{name: "range too long", status: 400, ctype: "text/plain; charset=utf-8",
			body: "range specified by start and end exceeds 168h0m0s. received start=1000 end=900000",
			want: []string{"HTTP 400: range specified by start and end exceeds 168h0m0s"}, apiStatus: 400},
		{name: "no tenant", status: 401, ctype: "text/plain; charset=utf-8", body: "no org id\n",
			want: []string{"401 unauthorized: no org id", "X-Scope-OrgID"}, apiStatus: 401},
		{name: "forbidden", status: 403, ctype: "text/plain", body: "",
			want: []string{"403 forbidden; the credentials are valid"}, apiStatus: 403},
		{name: "not the API root", status: 404, ctype: "text/plain; charset=utf-8", body: "404 page not found\n",
			want: []string{"not a Tempo API: GET /api/search answered 404", "does not point at Tempo's API root", "404 page not found"}, notTempo: true, apiStatus: 404},
		{name: "login page", status: 200, ctype: "text/html; charset=utf-8", body: "<html><body>Sign in</body></html>",
			want: []string{`content type "text/html; charset=utf-8", not JSON`, "Sign in"}, notTempo: true},
		{name: "plain text", status: 200, ctype: "", body: "echo",
			want: []string{`content type "", not JSON`}, notTempo: true},
		{name: "syntax error", status: 200, ctype: "application/json",
			body: "{\"traces\":[\n{\"traceID\":\"ab\",,\"durationMs\":3}]}",
			want: []string{"malformed JSON in the answer to GET /api/search at line 2, column 17", `near "`, "invalid character ','"}, notTempo: true},
		{name: "truncated", status: 200, ctype: "application/json", body: `{"traces":[{"traceID":"ab","durationMs":3}`,
			want: []string{"ends early", "truncated?"}, notTempo: true},
		{name: "wrong type", status: 200, ctype: "application/json", body: `{"traces":[{"traceID":"ab","durationMs":"slow"}]}`,
			want: []string{`unexpected JSON in the answer to GET /api/search at traces.durationMs: got "slow" (not an integer), want int64`}, notTempo: true},
		{name: "not an object", status: 200, ctype: "application/json", body: `["a"]`,
			want: []string{"at the top level: got array"}, notTempo: true},
		{name: "gateway", status: 502, ctype: "text/html", body: "<h1>Bad Gateway</h1>",
			want: []string{"HTTP 502: <h1>Bad Gateway</h1>"}, apiStatus: 502},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := search(answer(t, tc.status, tc.ctype, tc.body))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.ContainsAny(err.Error(), "\n\t") {
				t.Errorf("error %q spans lines", err)
			}
			var ae *APIError
			if errors.Is(err, ErrNotTempo) != tc.notTempo || (errors.As(err, &ae) && ae.Status != tc.apiStatus) || (tc.apiStatus != 0) != (ae != nil) {
				t.Errorf("error %v: not Tempo %v, API error %+v", err, errors.Is(err, ErrNotTempo), ae)
			}
		})
	}
}

func TestSearchWithoutContentType(t *testing.T) {
	// A proxy that drops Content-Type still passes a JSON object through.
	c := answer(t, 200, "", `{"traces":[{"traceID":"ab","durationMs":3}]}`)
	res, err := c.Search(context.Background(), SearchRequest{Query: "{}", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)})
	if err != nil || len(res.Traces) != 1 || res.Traces[0].Duration != 3*time.Millisecond {
		t.Fatalf("result %+v, error %v", res, err)
	}
}

func TestResponseTooLarge(t *testing.T) {
	big := `{"traces":[` + strings.Repeat(`{"traceID":"ab","durationMs":3},`, 100) + `{"traceID":"ab"}]}`
	for _, announced := range []bool{true, false} {
		t.Run(fmt.Sprintf("content length announced %v", announced), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if announced {
					w.Header().Set("Content-Length", fmt.Sprint(len(big)))
				}
				fmt.Fprint(w, big[:len(big)/2])
				w.(http.Flusher).Flush() // no Content-Length: the answer is chunked
				fmt.Fprint(w, big[len(big)/2:])
			}))
			defer srv.Close()
			c, _ := New(srv.URL, srv.Client(), Options{MaxResponseBytes: 1024})
			err := search(c)
			if !errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), "more than 1024 bytes") {
				t.Fatalf("error %v, want ErrResponseTooLarge", err)
			}
			c, _ = New(srv.URL, srv.Client(), Options{MaxResponseBytes: int64(len(big))})
			if err := search(c); err != nil {
				t.Fatalf("an answer of exactly the limit: %v", err)
			}
		})
	}
}

func TestSearchCancelled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(srv.URL, srv.Client(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Search(ctx, SearchRequest{Query: "{}", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestSearchCancelledWhileReading(t *testing.T) {
	// The answer starts, then stalls: cancelling must also stop the read of the body.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"traces":[`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(srv.URL, srv.Client(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Search(ctx, SearchRequest{Query: "{}", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "read Tempo's answer") {
		t.Fatalf("error %v, want context.Canceled while reading", err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c, _ := New(url, nil, Options{})
	err := search(c)
	var opErr *net.OpError
	if !errors.As(err, &opErr) || !strings.Contains(err.Error(), "reach Tempo at "+url) {
		t.Fatalf("error %v, want a wrapped *net.OpError", err)
	}
}

func TestProbe(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
		wantErr           string
		notTempo          bool
	}{
		{name: "tempo", status: 200, ctype: "text/plain; charset=utf-8", body: "echo"},
		{name: "not tempo", status: 404, ctype: "text/plain; charset=utf-8", body: "404 page not found\n", wantErr: "answered 404", notTempo: true},
		{name: "something else", status: 200, ctype: "text/html", body: "<html>welcome</html>", wantErr: `answered "<html>welcome</html>", not "echo"`, notTempo: true},
		{name: "unauthorized", status: 401, ctype: "text/plain", body: "Unauthorized", wantErr: "401 unauthorized"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path = r.URL.Path
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			c, _ := New(srv.URL, srv.Client(), Options{})
			err := c.Probe(context.Background())
			if path != "/api/echo" {
				t.Errorf("probed %s", path)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || errors.Is(err, ErrNotTempo) != tc.notTempo {
				t.Fatalf("error %v, want %q (not Tempo: %v)", err, tc.wantErr, tc.notTempo)
			}
		})
	}
}
