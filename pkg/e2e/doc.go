// Package e2e holds the end-to-end tests: the real gpx_foresight executable started the way
// Grafana starts it (hashicorp/go-plugin handshake over gRPC) against a real Prometheus.
package e2e
