package receiver

import (
	"context"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// The receiver's service-level figures for the executive and on-call dashboards. Counts of
// what is (open incidents, compression, acceptance) are read from the store when
// Prometheus scrapes: the store is the truth every replica shares, so they stay right
// across restarts and when several receivers share PostgreSQL, which a gauge kept up to date
// in memory would not. Durations of what happened (time to acknowledge, to resolve) are
// observed by the replica that made the change, so histograms summed over replicas count
// each change once.

// responseBuckets span a minute to a week: acknowledgements take minutes, resolutions
// hours or days.
var responseBuckets = []float64{
	30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600,
	24 * 3600, 2 * 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600,
}

// compressionWindow is how far back the alert-to-incident compression ratio looks.
const compressionWindow = 24 * time.Hour

// statsTimeout bounds the store queries of one scrape, so a slow database delays a scrape
// by at most this much rather than piling scrapes up.
const statsTimeout = 5 * time.Second

// noSeverity stands for incidents whose alerts named no severity: an empty label value
// would read as a missing label.
const noSeverity = "none"

var (
	openDesc = prometheus.NewDesc("foresight_incidents_open",
		"Active (open or acknowledged) incidents, by highest alert severity, read from the store at scrape time.",
		[]string{"tenant", "severity"}, nil)
	compressionDesc = prometheus.NewDesc("foresight_incident_alert_compression_ratio",
		"Alerts per incident among the incidents opened in the last 24 hours (merged ones left out); absent when none opened.",
		[]string{"tenant"}, nil)
	acceptanceDesc = prometheus.NewDesc("foresight_rca_hypothesis_acceptance_ratio",
		"Share of stored feedback that confirmed the named hypothesis: right / (right + wrong + cause); absent before any feedback.",
		[]string{"tenant"}, nil)
)

// statsCollector reports the store-derived gauges of every configured tenant.
type statsCollector struct {
	store   *store.Store
	tenants []string
	now     func() time.Time
	logger  log.Logger
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openDesc
	ch <- compressionDesc
	ch <- acceptanceDesc
}

// Collect queries the store once per tenant. A tenant whose figures cannot be read is left
// out of this scrape and logged, rather than failing the whole scrape and hiding every
// other metric.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	since := c.now().Add(-compressionWindow)
	for _, tenant := range c.tenants {
		st, err := c.store.Stats(ctx, tenant, since)
		if err != nil {
			level.Warn(c.logger).Log("msg", "incident metrics left out of the scrape", "tenant", tenant, "err", err)
			continue
		}
		for sev, n := range st.Active {
			if sev == "" {
				sev = noSeverity
			}
			ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n), tenant, sev)
		}
		if st.Recent > 0 {
			ch <- prometheus.MustNewConstMetric(compressionDesc, prometheus.GaugeValue,
				float64(st.RecentAlerts)/float64(st.Recent), tenant)
		}
		if r, ok := acceptance(st.Verdicts); ok {
			ch <- prometheus.MustNewConstMetric(acceptanceDesc, prometheus.GaugeValue, r, tenant)
		}
	}
}

// acceptance is right / (right + wrong + cause); false before any judgement.
func acceptance(v map[rca.Verdict]int64) (float64, bool) {
	total := v[rca.Right] + v[rca.Wrong] + v[rca.Cause]
	if total == 0 {
		return 0, false
	}
	return float64(v[rca.Right]) / float64(total), true
}
