package promtest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestRenderConfig(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		targets  []string
		keep     bool
		want     string
	}{
		{
			name:     "no targets",
			interval: time.Second,
			want:     "global:\n  scrape_interval: 1000ms\n  scrape_timeout: 1000ms\n  evaluation_interval: 1000ms\n",
		},
		{
			name:     "fractional seconds and two targets",
			interval: 1500 * time.Millisecond,
			targets:  []string{"127.0.0.1:1234", "[::1]:99"},
			want: "global:\n  scrape_interval: 1500ms\n  scrape_timeout: 1500ms\n  evaluation_interval: 1500ms\n" +
				"scrape_configs:\n  - job_name: foresight-demo\n    static_configs:\n      - targets:\n" +
				"          - \"127.0.0.1:1234\"\n          - \"[::1]:99\"\n" +
				"    metric_relabel_configs:\n      - action: labeldrop\n        regex: job|instance\n",
		},
		{
			name:     "keep target labels",
			interval: time.Second,
			targets:  []string{"127.0.0.1:1234"},
			keep:     true,
			want: "global:\n  scrape_interval: 1000ms\n  scrape_timeout: 1000ms\n  evaluation_interval: 1000ms\n" +
				"scrape_configs:\n  - job_name: foresight-demo\n    static_configs:\n      - targets:\n" +
				"          - \"127.0.0.1:1234\"\n",
		},
		{
			name:     "timeout capped at Prometheus' default",
			interval: time.Minute,
			want:     "global:\n  scrape_interval: 60000ms\n  scrape_timeout: 10000ms\n  evaluation_interval: 60000ms\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderConfig(tt.interval, tt.targets, tt.keep); got != tt.want {
				t.Errorf("renderConfig() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// The port was released, so it can be bound again.
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("FreePort returned %d, which cannot be bound: %v", port, err)
	}
	l.Close()
}

func TestListenLoopback(t *testing.T) {
	l := ListenLoopback(t)
	addr := l.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() || addr.Port == 0 {
		t.Fatalf("listener on %v, want a loopback port", addr)
	}
}

func TestRenderConfigPassesPromtool(t *testing.T) {
	promtool := PromtoolBinary(t)
	for _, keep := range []bool{false, true} {
		file := filepath.Join(t.TempDir(), "prometheus.yml")
		if err := os.WriteFile(file, []byte(renderConfig(250*time.Millisecond, []string{"127.0.0.1:1"}, keep)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(promtool, "check", "config", file).CombinedOutput(); err != nil {
			t.Errorf("keepTargetLabels=%v: promtool check config: %v\n%s", keep, err, out)
		}
	}
}
