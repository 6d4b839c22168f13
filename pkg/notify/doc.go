// Package notify delivers incident notifications from the durable outbox to downstream
// targets (a generic JSON webhook, Slack, PagerDuty) and keeps one Grafana annotation per
// incident in sync with it. An item's Payload is the engine's notice plus, when root-cause
// analysis had named one, the probable cause, which every target shows.
//
// The Deliverer claims due items from an outbox.Queue with a lease, hands each to the
// Sender configured under the item's target name, and records the outcome: Done on
// success, Retry with exponential backoff (or the target's Retry-After) on transient
// failures, Fail on permanent ones or after too many attempts. Senders classify their own
// errors (PermanentError, RetryableError) because only they know what a status means for
// their API.
//
// Secrets live in target URLs (Slack), routing keys (PagerDuty), tokens (Grafana) and
// header values (webhooks). None of them may reach a log line, an error or a metric
// label: errors name a target by its configured name and a URL by scheme and host only,
// and text a target sends back is scrubbed of every secret before it is kept.
package notify
