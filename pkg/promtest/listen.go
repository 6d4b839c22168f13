package promtest

import (
	"fmt"
	"net"
	"testing"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. The
// port is released before returning, so another process can take it before
// the caller binds it; prefer ListenLoopback when the caller can use the
// listener directly, and retry otherwise (Start does).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free loopback port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("find free loopback port: release %d: %w", port, err)
	}
	return port, nil
}

// ListenLoopback returns a TCP listener on a free port of 127.0.0.1 that is
// closed when tb ends. Serving from it avoids the race FreePort has, and
// binding loopback only keeps test exporters off the network.
func ListenLoopback(tb testing.TB) net.Listener {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("promtest: listen on loopback: %v", err)
	}
	tb.Cleanup(func() { _ = l.Close() })
	return l
}
