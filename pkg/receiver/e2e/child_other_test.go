//go:build !linux

package e2e

import "os/exec"

// setChildAttrs does nothing where there is no parent-death signal; cleanups stop the
// children.
func setChildAttrs(*exec.Cmd) {}
