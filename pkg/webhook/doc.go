// Package webhook parses the notifications that Grafana Alerting and Prometheus
// Alertmanager POST to a webhook, into incident.Alert values for the incident engine.
//
// The two senders share one schema, Alertmanager's template data, and differ in its
// "version" field:
//
//   - "1": Grafana's "Webhook" contact point. It adds orgId, title, state and message at
//     the top level, and per alert a values map of the rule's evaluated numbers (plus
//     silence, dashboard and panel links, which are not kept). Grafana 12 may send a
//     relative generatorURL such as "?orgId=1"; it is resolved against externalURL,
//     which for Grafana is Grafana's own address.
//   - "4": Alertmanager's webhook_config. Its generatorURL points at the Prometheus that
//     raised the alert and is kept as sent.
//
// Any other version is rejected, so that a payload from an unknown sender or a future
// breaking format fails loudly instead of yielding half-filled alerts.
//
// # Fingerprints
//
// An alert's fingerprint is its identity across notifications. The sender's fingerprint
// is always kept verbatim: Grafana computes it over labels it does not put in the payload
// (such as __alert_rule_uid__), so recomputing it from the visible labels would merge or
// split alerts wrongly. Only when the field is absent or empty is it computed, as
// Alertmanager does, by LabelFingerprint.
//
// # Strictness
//
// Fields this package does not read are ignored, because both senders add fields over
// versions. Fields it does read must have the right JSON type and may not be repeated in
// one object; every problem is reported as an *Error whose Path names exactly where it is,
// for example alerts[2].labels.severity. Keys are matched exactly (encoding/json would
// also accept "Labels" for "labels"). null counts as absent for optional fields and is an
// error for the required ones: version, status, alerts, and each alert's status, labels
// and startsAt. An alert's labels may be the empty object: Alertmanager never sends one,
// but refusing a whole notification for it would lose the other alerts.
//
// # Times
//
// startsAt and endsAt are returned in UTC. Go's zero time, which both senders write for
// "not ended", becomes the zero time.Time. Both senders zero endsAt for firing alerts
// (Alertmanager hides the time it would expire them) and set it on resolved ones, but
// nothing is inferred from it: Status alone says whether an alert is resolved, and a
// resolved alert that arrives without an endsAt keeps a zero EndsAt for the receiver to
// fill in, typically with the time it received the notification.
package webhook
