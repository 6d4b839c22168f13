package plugin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/fitcache"
	"github.com/foresight-aiops/foresight/pkg/history"
	"github.com/foresight-aiops/foresight/pkg/promtest"
)

const forecastMetric = "fs_test_level"

// testInterval is the panel step of the tests: five minutes keep the daily cycle at 288
// steps, which the engine fits quickly even under the race detector.
const testInterval = 5 * time.Minute

// Points of a test frame: six hours of panel and a 24h horizon.
const (
	panelSteps   = int(6 * time.Hour / testInterval)
	horizonSteps = int(24 * time.Hour / testInterval)
)

// sine is the daily cycle of the test series: 100 at midnight UTC and rising, 130 at 6:00.
func sine(t time.Time) float64 {
	day := float64(24 * time.Hour)
	return 100 + 30*math.Sin(2*math.Pi*float64(t.UnixNano()%int64(day))/day)
}

// backfillForecastSeries writes three days of one-minute samples ending at anchor:
// series "sine" follows the daily cycle, "stopped" follows it until two days before the
// anchor and then stops, "nan" holds no usable value.
func backfillForecastSeries(anchor time.Time) func(io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, "# TYPE %s gauge\n", forecastMetric)
		for _, name := range []string{"nan", "sine", "stopped"} {
			for t := anchor.Add(-3 * 24 * time.Hour); !t.After(anchor); t = t.Add(time.Minute) {
				v := fmt.Sprint(sine(t))
				switch {
				case name == "nan":
					v = "NaN"
				case name == "stopped" && t.After(anchor.Add(-48*time.Hour)):
					continue
				}
				fmt.Fprintf(bw, "%s{series=%q} %s %d\n", forecastMetric, name, v, t.Unix())
			}
		}
		fmt.Fprint(bw, "# EOF\n")
		return bw.Flush()
	}
}

// forecastRequest is a panel query of the last six hours before to, at testInterval.
func forecastRequest(to time.Time, fields map[string]any) backend.DataQuery {
	q := map[string]any{"refId": "A", "kind": "forecast", "expr": forecastMetric, "trainingWindow": "2d", "seasonality": "daily"}
	for k, v := range fields {
		q[k] = v
	}
	raw, _ := json.Marshal(q)
	return backend.DataQuery{RefID: "A", JSON: raw, Interval: testInterval, MaxDataPoints: 1000, TimeRange: backend.TimeRange{From: to.Add(-6 * time.Hour), To: to}}
}

func runQuery(t *testing.T, ds *Datasource, q backend.DataQuery, alert bool) backend.DataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{Queries: []backend.DataQuery{q}}
	if alert {
		req.Headers = map[string]string{backend.FromAlertHeaderName: "true"}
	}
	resp, err := ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses[q.RefID]
}

// TestForecastAgainstPrometheus runs forecast queries through QueryData against a real
// Prometheus: the frames a panel draws, the threshold table and annotations, the alerting
// shape, the caches on refresh, and the errors users can cause.
func TestForecastAgainstPrometheus(t *testing.T) {
	// Yesterday's midnight: every point is final, and the sine is at 100 and rising.
	anchor := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	prom := promtest.Start(t, promtest.Options{Backfill: backfillForecastSeries(anchor)})
	ds := instance(t, map[string]any{"prometheusUrl": prom.URL}, nil)

	t.Run("frames", func(t *testing.T) {
		r := runQuery(t, ds, forecastRequest(anchor, nil), false)
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		if len(r.Frames) != 3 {
			t.Fatalf("%d frames, want one per series (3)", len(r.Frames))
		}
		for _, f := range r.Frames {
			checkForecastFrame(t, f, anchor)
		}
	})

	t.Run("threshold", func(t *testing.T) {
		tests := []struct {
			threshold float64
			direction string
			reached   bool
		}{
			{125, "rising", true},   // the cycle's upswing: in about 3.8 h
			{75, "falling", true},   // its downswing: in about 15.8 h
			{1000, "rising", false}, // never
		}
		for _, tc := range tests {
			t.Run(fmt.Sprint(tc.threshold), func(t *testing.T) {
				q := forecastRequest(anchor, map[string]any{"expr": forecastMetric + `{series="sine"}`, "threshold": tc.threshold, "intervalLevel": 80})
				r := runQuery(t, ds, q, false)
				if r.Error != nil {
					t.Fatal(r.Error)
				}
				wantFrames := 2 // the series and the table
				if tc.reached {
					wantFrames = 3 // and the annotations
				}
				if len(r.Frames) != wantFrames {
					t.Fatalf("%d frames, want %d", len(r.Frames), wantFrames)
				}
				table := r.Frames[1]
				dir, _ := table.FieldByName("direction")
				secs, _ := table.FieldByName("time_to_threshold")
				if table.Rows() != 1 || dir.At(0) != tc.direction {
					t.Fatalf("table %d rows, direction %v", table.Rows(), dir.At(0))
				}
				got := secs.At(0).(*float64)
				if !tc.reached {
					if got != nil {
						t.Errorf("time to %v: %v, want none", tc.threshold, *got)
					}
					return
				}
				if got == nil || *got <= 0 || *got > 24*3600 {
					t.Fatalf("time to %v: %v, want within the 24h horizon", tc.threshold, got)
				}
				a := r.Frames[2]
				if a.Meta.DataTopic != data.DataTopicAnnotations || a.Rows() != 1 {
					t.Fatalf("annotations %+v, %d rows", a.Meta, a.Rows())
				}
				start, end := a.Fields[0].At(0).(time.Time), a.Fields[1].At(0).(time.Time)
				if start.Before(anchor) || end.Before(start) || end.After(anchor.Add(24*time.Hour)) {
					t.Errorf("annotation %v – %v outside the horizon after %v", start, end, anchor)
				}
				if text := a.Fields[4].At(0).(string); !strings.Contains(text, "80%") {
					t.Errorf("annotation text %q does not name the 80%% interval", text)
				}
			})
		}
	})

	t.Run("alerting", func(t *testing.T) {
		r := runQuery(t, ds, forecastRequest(anchor, map[string]any{"threshold": 125}), true)
		if r.Error != nil || len(r.Frames) != 2 { // the "nan" series has no forecast
			t.Fatalf("error %v, %d frames", r.Error, len(r.Frames))
		}
		for _, f := range r.Frames {
			if len(f.Fields) != 1 || f.Fields[0].Name != "time_to_threshold" || f.Fields[0].Labels["series"] == "" || f.Rows() != 1 {
				t.Errorf("alert frame %s: fields %v", f.Name, fieldNames(f))
			}
		}
		r = runQuery(t, ds, forecastRequest(anchor, nil), true)
		if r.Error != nil || len(r.Frames) != 2 || strings.Join(fieldNames(r.Frames[0]), ",") != "time,forecast" {
			t.Fatalf("without threshold: error %v, %d frames", r.Error, len(r.Frames))
		}
	})

	t.Run("refresh uses the caches", func(t *testing.T) {
		fresh := instance(t, map[string]any{"prometheusUrl": prom.URL}, nil)
		fresh.history, fresh.fits = history.New(history.Config{}), fitcache.New(0) // nothing cached by other tests
		steps := []struct {
			to      time.Time
			cache   string
			fetched float64 // at most
			fit     string
		}{
			{anchor.Add(-20 * time.Minute), "miss", math.Inf(1), "miss"},
			{anchor.Add(-10 * time.Minute), "hit", 3 * 2, "miss"}, // two new points a series
			{anchor.Add(-10 * time.Minute), "hit", 0, "hit"},      // the same step again: nothing fetched or refit
		}
		for i, st := range steps {
			r := runQuery(t, fresh, forecastRequest(st.to, nil), false)
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			sine := r.Frames[1]
			custom := sine.Meta.Custom.(map[string]any)
			if custom["cache"] != st.cache || fetchedPoints(t, sine) > st.fetched || custom["fit"] != st.fit {
				t.Errorf("query %d: cache %v, %v points fetched, fit %v; want %s, at most %v, %s", i, custom["cache"], fetchedPoints(t, sine), custom["fit"], st.cache, st.fetched, st.fit)
			}
		}
	})

	t.Run("bad queries", func(t *testing.T) {
		small := instance(t, map[string]any{"prometheusUrl": prom.URL, "maxPointsPerQuery": 1000}, nil)
		tests := []struct {
			name   string
			ds     *Datasource
			fields map[string]any
			want   string
		}{
			{"horizon", ds, map[string]any{"horizon": "soon"}, `query field "horizon": "soon" is not a duration`},
			{"level", ds, map[string]any{"intervalLevel": 99}, `query field "intervalLevel": 99% is not offered: want 80 or 95`},
			{"PromQL", ds, map[string]any{"expr": "rate(x[5m]"}, `query field "expr"`},
			{"horizon too long", ds, map[string]any{"horizon": "1y", "minStep": "1m"}, "over the limit of 10000 steps per forecast: shorten the horizon or raise the min step to 52m34s or more"},
			{"season too short", ds, map[string]any{"minStep": "1d"}, `query field "seasonality": daily seasonality is a cycle of 1d, under two steps of 1d`},
			{"too many points", small, nil, "over the limit of 1000: narrow the expression"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := runQuery(t, tc.ds, forecastRequest(anchor, tc.fields), false)
				if r.Error == nil || r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), tc.want) {
					t.Errorf("status %v error %v, want 400 with %q", r.Status, r.Error, tc.want)
				}
			})
		}
	})
}

// checkForecastFrame asserts what a panel needs of each series' frame: the panel's range
// then the horizon, actual values only in the past, the forecast joining the last one.
func checkForecastFrame(t *testing.T, f *data.Frame, anchor time.Time) {
	t.Helper()
	if got := strings.Join(fieldNames(f), ","); got != "time,value,forecast,lower,upper" {
		t.Fatalf("fields %s", got)
	}
	series := f.Fields[1].Labels["series"]
	times := f.Fields[0]
	if n := times.Len(); n != panelSteps+1+horizonSteps || !times.At(0).(time.Time).Equal(anchor.Add(-6*time.Hour)) || !times.At(n-1).(time.Time).Equal(anchor.Add(24*time.Hour)) {
		t.Errorf("%s: %d points from %v to %v, want the 6h range and the 24h horizon", series, n, times.At(0), times.At(n-1))
	}
	value, fc, lo, hi := floats(t, f, "value"), floats(t, f, "forecast"), floats(t, f, "lower"), floats(t, f, "upper")
	lastValue := -1
	for i := range value {
		if !math.IsNaN(value[i]) {
			lastValue = i
		}
	}
	if lastValue > panelSteps {
		t.Errorf("%s: actual values in the future (at %d)", series, lastValue)
	}
	notices := ""
	for _, n := range f.Meta.Notices {
		notices += n.Text + "\n"
	}
	switch series {
	case "nan":
		if !strings.Contains(notices, "no forecast for "+forecastMetric+`{series="nan"}: no observed values`) || f.Meta.Notices[0].Severity != data.NoticeSeverityError {
			t.Errorf("nan: notices %q", notices)
		}
		return
	case "stopped": // two days before the panel: the forecast starts there and spans it all
		if !strings.Contains(notices, "no data in the last ") || lastValue != -1 {
			t.Errorf("stopped: notices %q, last value at %d", notices, lastValue)
		}
		for i, v := range fc {
			if math.IsNaN(v) {
				t.Fatalf("stopped: no forecast at %d", i)
			}
		}
		return
	}
	if lastValue != panelSteps {
		t.Fatalf("%s: last value at %d, want at the panel's end", series, lastValue)
	}
	if fc[lastValue] != value[lastValue] || lo[lastValue] != value[lastValue] || hi[lastValue] != value[lastValue] || !math.IsNaN(fc[lastValue-1]) {
		t.Errorf("%s: forecast does not start at the last value: %v %v %v vs %v", series, fc[lastValue], lo[lastValue], hi[lastValue], value[lastValue])
	}
	for i := lastValue + 1; i < len(fc); i++ {
		if math.IsNaN(fc[i]) || !(lo[i] <= fc[i] && fc[i] <= hi[i]) {
			t.Fatalf("%s: at %d forecast %v not inside [%v, %v]", series, i, fc[i], lo[i], hi[i])
		}
	}
	custom := f.Meta.Custom.(map[string]any)
	if custom["model"] == "" || custom["model"] == nil || !strings.Contains(f.Meta.ExecutedQueryString, "model: ") {
		t.Errorf("%s: model not reported: %v", series, custom)
	}
	if upper := f.Fields[4].Config; upper.Custom["fillBelowTo"] != f.Fields[3].Config.DisplayNameFromDS {
		t.Errorf("%s: upper does not fill down to lower", series)
	}
}

func fetchedPoints(t *testing.T, f *data.Frame) float64 {
	t.Helper()
	for _, st := range f.Meta.Stats {
		if st.DisplayName == "Points fetched" {
			return st.Value
		}
	}
	t.Fatalf("frame %s has no Points fetched stat", f.Name)
	return 0
}
