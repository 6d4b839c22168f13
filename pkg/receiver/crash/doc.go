// Package crash holds crash tests of the receiver: it runs the real foresight binary as a
// child process, kills it with SIGKILL in the middle of work, restarts it on the same
// store and checks the durability promises of docs and code:
//
//   - a webhook answered 200 is stored, wholly;
//   - a webhook is one transaction: stored wholly or not at all;
//   - no alert is stored twice, and resending webhooks (as Alertmanager retries) changes
//     nothing;
//   - every queued notification is delivered, exactly once per Idempotency-Key except
//     for the documented at-least-once window (sent before the kill, its "done" mark
//     not committed), which the test reports separately.
//
// The package has no code of its own; its tests are skipped under -short.
package crash
