package promtest

import (
	"os/exec"
	"syscall"
)

// setChildAttrs asks the kernel to kill the child when the test process
// dies. Cleanups do not run when `go test -timeout` panics or the test
// binary is killed, and an orphaned Prometheus would keep its port and
// burn CI time.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
