package topology

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// serviceGraphAnswer is a query_range answer in Prometheus' documented format: a matrix of
// the requests per client/server pair and connection type. "user" → "web" is Tempo's
// virtual client node, "cart-lb.shop.svc" a peer named from web's client spans (the load
// balancer in front of cart); the idle pair and the series without a server must not
// become edges.
const serviceGraphAnswer = `{"status":"success","data":{"resultType":"matrix","result":[
 {"metric":{"client":"user","server":"web","connection_type":"virtual_node"},"values":[[1700000000,"120"]]},
 {"metric":{"client":"web","server":"cart"},"values":[[1700000000,"57.5"]]},
 {"metric":{"client":"web","server":"cart-lb.shop.svc","connection_type":"virtual_node"},"values":[[1700000000,"12"]]},
 {"metric":{"client":"cart","server":"redis"},"values":[[1700000000,"3"]]},
 {"metric":{"client":"web","server":"legacy"},"values":[[1700000000,"0"]]},
 {"metric":{"client":"web"},"values":[[1700000000,"9"]]}
]}}`

const emptyAnswer = `{"status":"success","data":{"resultType":"matrix","result":[]}}`

// fakePrometheus answers query_range with body (or a 503 while failing is set) and records
// the last query.
type fakePrometheus struct {
	body    atomic.Value // string
	failing atomic.Bool
	query   atomic.Value // string
}

func (f *fakePrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	f.query.Store(r.FormValue("query") + " start=" + r.FormValue("start") + " end=" + r.FormValue("end"))
	w.Header().Set("Content-Type", "application/json")
	if f.failing.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"error","errorType":"unavailable","error":"overloaded"}`))
		return
	}
	w.Write([]byte(f.body.Load().(string)))
}

func newFake(t *testing.T, body string) (*fakePrometheus, *prometheus.Client) {
	t.Helper()
	f := &fakePrometheus{}
	f.body.Store(body)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := prometheus.New(srv.URL, srv.Client(), prometheus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func TestFromServiceGraphMetrics(t *testing.T) {
	f, c := newFake(t, serviceGraphAnswer)
	now := time.Unix(1700000000, 0)
	g, err := FromServiceGraphMetrics(context.Background(), c, 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	want := "sum by (client, server, connection_type) (increase(traces_service_graph_request_total[1d])) start=1700000000 end=1700000000"
	if q := f.query.Load(); q != want {
		t.Errorf("query %q, want %q", q, want)
	}
	got := g.Edges()
	wantEdges := []Edge{{"cart", "redis"}, {"user", "web"}, {"web", "cart"}}
	if len(got) != len(wantEdges) {
		t.Fatalf("edges %v, want %v", got, wantEdges)
	}
	for i := range got {
		if got[i] != wantEdges[i] {
			t.Errorf("edge %d = %v, want %v", i, got[i], wantEdges[i])
		}
	}
	if d := g.Distance("web", "redis"); d != 2 {
		t.Errorf("Distance(web, redis) = %d, want 2", d)
	}
	if d := g.Distance("web", "legacy"); d != -1 {
		t.Errorf("an idle pair is an edge: Distance(web, legacy) = %d", d)
	}
	if c := g.Canonical("cart-lb.shop.svc"); c != "cart" {
		t.Errorf("the peer in front of cart resolves to %q, want cart", c)
	}
	if c := g.Canonical("user"); c != "user" {
		t.Errorf("Tempo's virtual client resolves to %q, want itself", c)
	}
}

func TestFromServiceGraphMetricsErrors(t *testing.T) {
	now := time.Unix(1700000000, 0)
	_, c := newFake(t, emptyAnswer)
	if _, err := FromServiceGraphMetrics(context.Background(), c, time.Hour, now); !errors.Is(err, ErrNoEdges) {
		t.Errorf("empty answer: error %v, want ErrNoEdges", err)
	}
	if _, err := FromServiceGraphMetrics(context.Background(), c, 0, now); err == nil || !strings.Contains(err.Error(), "window must be positive") {
		t.Errorf("zero window: error %v", err)
	}
	f, c := newFake(t, serviceGraphAnswer)
	f.failing.Store(true)
	_, err := FromServiceGraphMetrics(context.Background(), c, time.Hour, now)
	var apiErr *prometheus.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(err.Error(), "query service graph") {
		t.Errorf("server error: %v, want a wrapped *prometheus.APIError", err)
	}
}

// TestLiveRefresh checks that a failed refresh keeps serving the last good graph.
func TestLiveRefresh(t *testing.T) {
	f, c := newFake(t, serviceGraphAnswer)
	live := NewLive(nil, MetricsLoader(c, time.Hour))
	if d := live.Distance("web", "cart"); d != -1 {
		t.Errorf("before any refresh: Distance = %d, want -1", d)
	}
	ctx := context.Background()
	if err := live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if d := live.Distance("web", "cart"); d != 1 {
		t.Errorf("after refresh: Distance = %d, want 1", d)
	}
	for _, breakIt := range []func(){
		func() { f.failing.Store(true) },
		func() { f.failing.Store(false); f.body.Store(emptyAnswer) },
	} {
		breakIt()
		if err := live.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "refresh topology") {
			t.Errorf("failed refresh returned %v", err)
		}
		if d := live.Distance("web", "cart"); d != 1 {
			t.Errorf("after a failed refresh: Distance = %d, want the last good graph's 1", d)
		}
	}
	f.body.Store(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"client":"web","server":"search"},"values":[[1700000000,"1"]]}]}}`)
	if err := live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if d := live.Distance("web", "cart"); d != -1 {
		t.Errorf("after the graph changed: Distance(web, cart) = %d, want -1", d)
	}
}
