// Package proc stops the child processes Foresight and its tests start (Prometheus,
// Alertmanager, the receiver).
package proc

import (
	"os"
	"syscall"
	"time"
)

// Terminate sends SIGTERM to p and waits for done (closed once p has been reaped), killing p
// if it has not exited within grace. It does nothing when done is already closed. Only our
// own child is signalled, by its PID, while it is still un-reaped (done open), so the PID
// cannot have been reused.
func Terminate(p *os.Process, done <-chan struct{}, grace time.Duration) {
	select {
	case <-done:
		return
	default:
	}
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = p.Kill()
		<-done
	}
}
