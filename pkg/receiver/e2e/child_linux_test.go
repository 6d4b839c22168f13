package e2e

import (
	"os/exec"
	"syscall"
)

// setChildAttrs has the kernel kill the child when the test binary dies: cleanups do not
// run when `go test -timeout` panics, and an orphaned Prometheus or Alertmanager would
// keep its port and keep sending webhooks to nobody.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
