package promtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/promtest"
	"github.com/foresight-aiops/foresight/pkg/synthetic"
)

// point is one [timestamp, "value"] pair from the Prometheus HTTP API.
type point struct {
	t time.Time
	v float64
}

// UnmarshalJSON decodes the API's [unix_seconds, "value"] pair.
func (p *point) UnmarshalJSON(b []byte) error {
	var raw [2]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var ts float64
	if err := json.Unmarshal(raw[0], &ts); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	var vs string
	if err := json.Unmarshal(raw[1], &vs); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	p.t = time.UnixMilli(int64(math.Round(ts * 1000)))
	p.v = v
	return nil
}

// series is one element of a matrix or vector result.
type series struct {
	Metric map[string]string `json:"metric"`
	Values []point           `json:"values"` // range queries
	Value  point             `json:"value"`  // instant queries
}

// apiGet runs a query against the HTTP API and returns its result.
func apiGet(t *testing.T, base, path string, params url.Values) []series {
	t.Helper()
	resp, err := http.Get(base + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	var out struct {
		Status string `json:"status"`
		Data   struct {
			Result []series `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
	return out.Data.Result
}

// TestStartWithBackfillAndScrape is the shape of the end-to-end test: a
// week of backfilled history plus a live scrape of the synthetic exporter.
func TestStartWithBackfillAndScrape(t *testing.T) {
	anchor := time.Now().UTC().Truncate(time.Minute)
	scenario := synthetic.NewScenario(anchor)
	const step = time.Minute
	historyStart := anchor.Add(-7 * 24 * time.Hour)
	// The backfill stops two minutes before the anchor: Prometheus drops
	// scraped samples older than the newest block's end as out of
	// bounds, so history must end before the first live scrape.
	historyEnd := anchor.Add(-2 * time.Minute)

	l := promtest.ListenLoopback(t)
	exporter := &http.Server{Handler: synthetic.Handler(scenario, time.Now), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = exporter.Serve(l) }()
	t.Cleanup(func() { _ = exporter.Close() })

	began := time.Now()
	srv := promtest.Start(t, promtest.Options{
		Backfill: func(w io.Writer) error {
			return synthetic.WriteOpenMetrics(w, scenario, historyStart, historyEnd, step)
		},
		ScrapeTargets: []string{l.Addr().String()},
	})
	t.Logf("promtest.Start took %v", time.Since(began))

	queried := time.Now()
	result := apiGet(t, srv.URL, "/api/v1/query_range", url.Values{
		"query": {synthetic.MetricName},
		"start": {strconv.FormatInt(historyStart.Unix(), 10)},
		"end":   {strconv.FormatInt(anchor.Unix(), 10)},
		"step":  {"60"},
	})
	t.Logf("query_range over 7d took %v", time.Since(queried))
	if len(result) != len(synthetic.Services()) {
		t.Fatalf("got %d series, want %d", len(result), len(synthetic.Services()))
	}
	wantBackfilled := int(historyEnd.Sub(historyStart)/step) + 1 // 10079
	bySvc := make(map[string][]point)
	for _, s := range result {
		svc := s.Metric["service"]
		if len(s.Metric) != 2 {
			t.Errorf("series %v: want only __name__ and service", s.Metric)
		}
		bySvc[svc] = s.Values
		// Steps after historyEnd repeat the last sample through the
		// lookback window, so the total is a little over a week of minutes.
		if n := len(s.Values); n < wantBackfilled || n > wantBackfilled+2 {
			t.Errorf("%s: %d points, want %d to %d", svc, n, wantBackfilled, wantBackfilled+2)
		}
		checked := 0
		for _, p := range s.Values {
			if p.t.After(historyEnd) {
				continue
			}
			if want := scenario.Value(svc, p.t); math.Abs(p.v-want) > 1e-9 {
				t.Fatalf("%s at %v: got %v, want %v", svc, p.t, p.v, want)
			}
			checked++
		}
		if checked != wantBackfilled {
			t.Errorf("%s: %d backfilled points, want %d", svc, checked, wantBackfilled)
		}
	}

	// The checkout spike stands about +60 above the points around it; the
	// neighbours are symmetric so the daily trend cancels out.
	at := func(svc string, tm time.Time) float64 {
		i := int(tm.Sub(historyStart) / step)
		pts := bySvc[svc]
		if i < 0 || i >= len(pts) || !pts[i].t.Equal(tm) {
			t.Fatalf("%s: no point at %v", svc, tm)
		}
		return pts[i].v
	}
	spikeMid := anchor.Add(-synthetic.SpikeOffset + time.Minute)
	var neighbours float64
	for k := 3; k <= 7; k++ {
		neighbours += at("checkout", spikeMid.Add(-time.Duration(k)*step)) + at("checkout", spikeMid.Add(time.Duration(k)*step))
	}
	neighbours /= 10
	if lift := at("checkout", spikeMid) - neighbours; math.Abs(lift-synthetic.SpikeMagnitude) > 10 {
		t.Errorf("checkout spike lifts %v above its neighbours, want ≈%v", lift, synthetic.SpikeMagnitude)
	}

	// Live scrapes continue the backfilled series (Start drops job and
	// instance from scraped samples) and carry the level shift too.
	raw := apiGet(t, srv.URL, "/api/v1/query", url.Values{
		"query": {synthetic.MetricName + "[15m]"},
	})
	if len(raw) != len(synthetic.Services()) {
		t.Fatalf("last 15m: got %d series, want %d: %+v", len(raw), len(synthetic.Services()), raw)
	}
	for _, s := range raw {
		svc := s.Metric["service"]
		var old, live int
		for _, p := range s.Values {
			if !p.t.After(historyEnd) {
				if want := scenario.Value(svc, p.t); math.Abs(p.v-want) > 1e-9 {
					t.Errorf("%s at %v: backfilled %v, want %v", svc, p.t, p.v, want)
				}
				old++
				continue
			}
			if !p.t.After(anchor) {
				t.Errorf("%s: unexpected sample at %v between backfill end and anchor", svc, p.t)
				continue
			}
			live++
			// Prometheus stamps the scrape start and the handler reads the
			// clock a little later, possibly in the next second with new
			// noise: compare against the expectation, not the exact value.
			want := scenario.Expected(svc, p.t)
			if scenario.InFault(svc, p.t) {
				want += synthetic.ShiftMagnitude
			}
			if d := p.v - want; math.Abs(d) > 6*scenario.NoiseSD*math.Sqrt2 {
				t.Errorf("live %s at %v: %v is %+.2f from the expected %v", svc, p.t, p.v, d, want)
			}
		}
		if old == 0 || live == 0 {
			t.Errorf("%s: %d backfilled and %d live samples in one series, want both", svc, old, live)
		}
	}
}

func TestStartWithoutTargets(t *testing.T) {
	began := time.Now()
	srv := promtest.Start(t, promtest.Options{ScrapeInterval: 500 * time.Millisecond})
	t.Logf("promtest.Start took %v", time.Since(began))
	res := apiGet(t, srv.URL, "/api/v1/query", url.Values{"query": {"vector(42)"}})
	if len(res) != 1 || res[0].Value.v != 42 {
		t.Fatalf("vector(42) = %+v", res)
	}
	srv.Stop()
	srv.Stop() // idempotent
	if _, err := http.Get(srv.URL + "/-/ready"); err == nil {
		t.Errorf("prometheus still answers after Stop")
	}
}

func TestStartRejectsBadBackfill(t *testing.T) {
	// Start fails the test through tb.Fatal; run it against a recorder so
	// this test can observe the failure instead of failing itself.
	promtest.PrometheusBinary(t)
	promtest.PromtoolBinary(t)
	rec := &fatalRecorder{T: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		promtest.Start(rec, promtest.Options{
			Backfill: func(w io.Writer) error {
				_, err := io.WriteString(w, "not openmetrics\n")
				return err
			},
		})
	}()
	<-done
	if !rec.failed {
		t.Fatal("Start accepted a backfill promtool cannot read")
	}
	t.Logf("Start failed as expected: %s", rec.msg)
}

// fatalRecorder is a testing.TB whose Fatal records the failure and ends
// the goroutine, like the real one, without failing the enclosing test.
type fatalRecorder struct {
	*testing.T
	failed bool
	msg    string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Fatal(args ...any) {
	r.failed = true
	r.msg = fmt.Sprint(args...)
	runtime.Goexit()
}
