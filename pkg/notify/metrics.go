package notify

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Delivery outcomes, the values of the outcome label.
const (
	outcomeSent   = "sent"
	outcomeRetry  = "retry"
	outcomeFailed = "failed"
)

type metrics struct {
	notifications *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	claimed       prometheus.Counter
}

// newMetrics registers on reg; a nil reg keeps them unregistered (tests, embedding).
// The target label is always the configured name, never a URL, which may hold a secret.
func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		notifications: f.NewCounterVec(prometheus.CounterOpts{
			Name: "foresight_notifications_total",
			Help: "Notification delivery attempts by target, kind and outcome (sent, retry, failed).",
		}, []string{"target", "kind", "outcome"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "foresight_notification_duration_seconds",
			Help:    "Time one notification send took, successful or not.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"target"}),
		claimed: f.NewCounter(prometheus.CounterOpts{
			Name: "foresight_outbox_claimed_total",
			Help: "Outbox items claimed for delivery.",
		}),
	}
}
