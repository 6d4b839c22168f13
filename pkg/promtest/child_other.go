//go:build !linux

package promtest

import "os/exec"

// setChildAttrs does nothing: only Linux can tie a child's life to its
// parent's, so elsewhere a test killed mid-run may leave Prometheus behind.
func setChildAttrs(cmd *exec.Cmd) {}
