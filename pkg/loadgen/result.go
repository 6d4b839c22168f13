package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// LateAfter is how far behind its due time a request may start before it counts as late.
// It is well above timer and scheduler jitter, so late means "no connection was free".
const LateAfter = 5 * time.Millisecond

// Result is what a run measured.
type Result struct {
	Config    Config
	Generated Counts        // alerts by kind, as generated
	Elapsed   time.Duration // from the first due time to the last response

	Webhooks       int // requests completed, whatever their outcome
	NotSent        int // requests still waiting for a connection at Duration+Drain
	Alerts         int // alerts in those requests
	AcceptedAlerts int // alerts in requests answered 200
	Late           int // requests that started more than LateAfter after their due time
	MaxLag         time.Duration
	// Errors counts requests not answered 200, by status code or transport error.
	Errors map[string]int

	latencies []time.Duration // all of them, sorted by finish
}

// statusNotSent marks requests given up before they were sent.
const statusNotSent = "not sent"

func (r *Result) add(s sample) {
	// Requests never sent still count in the latency figures, with the time they
	// waited: leaving them out would report the receiver's worst moments as missing.
	r.latencies = append(r.latencies, s.latency)
	if s.status == statusNotSent {
		r.NotSent++
		r.Errors[s.status]++
		return
	}
	r.Webhooks++
	r.Alerts += s.alerts
	if s.lag > LateAfter {
		r.Late++
	}
	r.MaxLag = max(r.MaxLag, s.lag)
	if s.status == "200" {
		r.AcceptedAlerts += s.alerts
		return
	}
	r.Errors[s.status]++
}

// finish sorts the latencies so Quantile is exact: a run has at most a few hundred
// thousand requests, so keeping every sample is cheaper than an approximation.
func (r *Result) finish() { slices.Sort(r.latencies) }

// Quantile is the latency that q of the requests stayed within (nearest rank).
func (r *Result) Quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// Max is the slowest request's latency.
func (r *Result) Max() time.Duration { return r.Quantile(1) }

// ErrorCount is how many requests were not answered 200.
func (r *Result) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// AchievedRate is the alerts per second the receiver accepted over the run.
func (r *Result) AchievedRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.AcceptedAlerts) / r.Elapsed.Seconds()
}

// WebhookRate is the webhooks per second completed over the run.
func (r *Result) WebhookRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Webhooks) / r.Elapsed.Seconds()
}

// Report writes the run's figures for people.
func (r *Result) Report(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "target        %.0f alerts/s (%.0f webhooks/s of %d alerts) for %s, %d connections, %d services\n",
		c.Rate, c.Rate/float64(c.AlertsPerWebhook), c.AlertsPerWebhook, c.Duration, c.Connections, c.Services)
	fmt.Fprintf(w, "generated     %d new, %d resends, %d resolves\n", r.Generated.New, r.Generated.Resend, r.Generated.Resolve)
	fmt.Fprintf(w, "sent          %d webhooks, %d alerts in %s\n", r.Webhooks, r.Alerts, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "achieved      %.0f alerts/s accepted, %.0f webhooks/s\n", r.AchievedRate(), r.WebhookRate())
	fmt.Fprintf(w, "latency       p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n", ms(r.Quantile(0.5)), ms(r.Quantile(0.9)),
		ms(r.Quantile(0.99)), ms(r.Quantile(0.999)), ms(r.Max()))
	fmt.Fprintf(w, "late          %d webhooks started >%s after their due time (max lag %s); %d never sent\n",
		r.Late, LateAfter, ms(r.MaxLag), r.NotSent)
	fmt.Fprintf(w, "errors        %d", r.ErrorCount())
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "  %s: %d", k, r.Errors[k])
	}
	fmt.Fprintln(w)
}

// Millis is d in milliseconds, for figures.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", Millis(d)) }
