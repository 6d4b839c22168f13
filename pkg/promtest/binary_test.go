package promtest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// outcomeRecorder is a testing.TB that records Skip and Fatal instead of
// acting on them, then ends its goroutine as the real ones do.
type outcomeRecorder struct {
	*testing.T
	outcome string // "skip", "fatal" or "" when neither was called
	msg     string
}

func (r *outcomeRecorder) Skipf(format string, args ...any) {
	r.outcome, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *outcomeRecorder) Fatalf(format string, args ...any) {
	r.outcome, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestBinaryLookup(t *testing.T) {
	tests := []struct {
		name        string
		bin         string // value of EnvPrometheusBin
		require     string // value of EnvRequire
		path        string // value of PATH
		wantOutcome string
		wantMsg     string
	}{
		{"missing skips", "", "", t.TempDir(), "skip", "prometheus not found"},
		{"missing fails when required", "", "1", t.TempDir(), "fatal", "required because " + EnvRequire + "=1"},
		{"bad override skips", "/nonexistent/prometheus", "", t.TempDir(), "skip", EnvPrometheusBin},
		{"override found", "/bin/sh", "1", t.TempDir(), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvPrometheusBin, tt.bin)
			t.Setenv(EnvRequire, tt.require)
			t.Setenv("PATH", tt.path)
			rec := &outcomeRecorder{T: t}
			var got string
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = PrometheusBinary(rec)
			}()
			<-done
			if rec.outcome != tt.wantOutcome || !strings.Contains(rec.msg, tt.wantMsg) {
				t.Fatalf("outcome %q %q, want %q containing %q", rec.outcome, rec.msg, tt.wantOutcome, tt.wantMsg)
			}
			if tt.wantOutcome == "" && got != tt.bin {
				t.Errorf("PrometheusBinary() = %q, want %q", got, tt.bin)
			}
		})
	}
}
