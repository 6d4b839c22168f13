package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/synthetic"
)

// TestDemoBandsAtEveryHalfHour runs the check TestPluginAgainstRealPrometheus makes on its
// bands, without Prometheus, for the demo anchored at every half hour of a day: that test
// anchors the demo at the current minute, so each run sees another phase of the daily cycle
// and other noise, and a check that held only at some phases would fail now and then.
func TestDemoBandsAtEveryHalfHour(t *testing.T) {
	day := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for k := range 48 {
		anchor := day.Add(time.Duration(k) * 30 * time.Minute)
		s := synthetic.NewScenario(anchor)
		from, to := anchor.Add(-6*time.Hour), anchor.Add(-time.Minute)
		for _, service := range synthetic.Services() {
			t.Run(fmt.Sprintf("%s/%s", anchor.Format("15:04"), service), func(t *testing.T) {
				var tally bandTally
				m := anomaly.NewModel(anomaly.DefaultConfig())
				times, values := demoPoints(s, service, from.Add(-7*24*time.Hour), from)
				m.Learn(times, values)
				times, values = demoPoints(s, service, from, to.Add(time.Minute))
				var r anomaly.Result
				m.Run(times, values, &r)
				for i, ts := range times {
					tally.add(s, service, time.UnixMilli(ts).UTC(), values[i], r.Lower[i], r.Upper[i], int(r.Anomaly[i]))
				}
				tally.check(t, service)
			})
		}
	}
}

// demoPoints samples the demo every minute in [from, to).
func demoPoints(s synthetic.Scenario, service string, from, to time.Time) ([]int64, []float64) {
	var times []int64
	var values []float64
	for ts := from; ts.Before(to); ts = ts.Add(time.Minute) {
		times = append(times, ts.UnixMilli())
		values = append(values, s.Value(service, ts))
	}
	return times, values
}
