package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// summaryLine is the last line loadtest prints, which scripts parse.
var summaryLine = regexp.MustCompile(`^loadtest store=sqlite rate=200 achieved=\d+ p50=\d+\.\d p99=\d+\.\d max=\d+\.\d errors=(\d+)$`)

func TestLoadtestSelfSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a receiver and sends load for 2s")
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"loadtest", "--self", "sqlite", "--rate", "200", "--duration", "2s", "--connections", "8"},
		strings.NewReader(""), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	m := summaryLine.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not match %s; output:\n%s", last, summaryLine, stdout.String())
	}
	if m[1] != "0" {
		t.Errorf("%s errors:\n%s", m[1], stdout.String())
	}
	for _, want := range []string{"sent          40 webhooks, 400 alerts", "latency       p50 "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestLoadtestUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"loadtest"}, "give --url"},
		{[]string{"loadtest", "--self", "mysql"}, "--self must be sqlite or postgres"},
		{[]string{"loadtest", "--self", "sqlite", "--url", "http://x"}, "exclude each other"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit status %d, want %d", tt.args, code, exitUsage)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: stderr %q lacks %q", tt.args, stderr.String(), tt.want)
		}
	}
}
