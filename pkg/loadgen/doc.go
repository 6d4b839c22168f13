// Package loadgen drives a Foresight receiver with Alertmanager v4 webhooks at a fixed
// arrival rate and measures how fast and how reliably it answers.
//
// The generator is open-loop: request i is due at start + i·interval whatever happened
// to earlier requests, and its latency runs from that intended time, not from when a
// connection became free. A closed-loop tester (send, wait, send) slows down exactly when
// the receiver does and so hides its stalls ("coordinated omission"); here a stall shows
// up as latency of every request that was due during it. Requests that could not start
// on time, because every allowed connection was busy, are counted as late; those still
// waiting Config.Drain after the run are never sent, count as errors ("not sent") and
// enter the latency figures with the time they waited.
//
// The traffic imitates Alertmanager routing by service: each webhook is one service's
// group (groupKey {}:{service="..."}) chosen uniformly among Config.Services services,
// and each alert in it is, by the Mix fractions,
//   - new: a fingerprint never sent before starts firing;
//   - resend: a firing alert of that service is sent again unchanged, as Alertmanager
//     does every repeat_interval and for every group change;
//   - resolve: a firing alert of that service is sent resolved and forgotten.
//
// A resend or resolve falls back to a new alert while the service has nothing firing,
// and a new alert becomes a resolve once the service has Config.MaxFiring firing alerts,
// so the working set stays bounded over long runs. One webhook never carries the same
// fingerprint twice, as Alertmanager's never do.
package loadgen
