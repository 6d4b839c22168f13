// Package e2e holds the alert receiver's end-to-end tests: real Prometheus and
// Alertmanager processes sending real webhooks to in-process receivers, receivers
// sharing one PostgreSQL database, and graceful shutdown under load. The package has
// no code of its own; everything is in its tests.
//
// The tests skip when Prometheus or Alertmanager is not installed, unless
// FORESIGHT_REQUIRE_PROMETHEUS=1, and skip their PostgreSQL parts when the database at
// FORESIGHT_TEST_POSTGRES_DSN (default postgres://postgres@127.0.0.1:5432/test) is
// unreachable, unless FORESIGHT_REQUIRE_POSTGRES=1. Alertmanager is looked up as
// FORESIGHT_ALERTMANAGER_BIN, then alertmanager and prometheus-alertmanager (Debian's
// name) on PATH.
//
//	go test -race -count=1 ./pkg/receiver/e2e/
package e2e
