package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Env is what Grafana knows about a query that its text may refer to through macros.
type Env struct {
	Interval time.Duration // the panel's interval ($__interval)
	Range    time.Duration // the panel's time range ($__range)
}

// assumedScrapeInterval stands in for the scrape interval in $__rate_interval, as in
// Grafana's Prometheus data source when none is configured.
const assumedScrapeInterval = 15 * time.Second

// ExpandMacros replaces Grafana's built-in interval and range variables, which the browser
// leaves in place for the backend, with durations PromQL understands.
func ExpandMacros(expr string, env Env) string {
	if !strings.Contains(expr, "$__") {
		return expr
	}
	interval := max(env.Interval, time.Second)
	rateInterval := max(interval+assumedScrapeInterval, 4*assumedScrapeInterval)
	r := strings.NewReplacer( // longest names first: $__interval is a prefix of $__interval_ms
		"$__rate_interval", promDuration(rateInterval),
		"${__rate_interval}", promDuration(rateInterval),
		"$__interval_ms", strconv.FormatInt(interval.Milliseconds(), 10),
		"$__interval", promDuration(interval),
		"${__interval}", promDuration(interval),
		"$__range_ms", strconv.FormatInt(env.Range.Milliseconds(), 10),
		"$__range_s", strconv.FormatInt(int64(env.Range.Seconds()), 10),
		"$__range", promDuration(env.Range),
		"${__range}", promDuration(env.Range),
	)
	return r.Replace(expr)
}

func promDuration(d time.Duration) string {
	d = d.Truncate(time.Millisecond)
	if d <= 0 {
		d = time.Second
	}
	return model.Duration(d).String()
}
