package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/promtest"
)

// TestDemo runs one round of the demo against the real Prometheus it starts: the injected
// faults are reported, the clean service is not.
func TestDemo(t *testing.T) {
	bin := promtest.PrometheusBinary(t) // skips, or fails under FORESIGHT_REQUIRE_PROMETHEUS=1
	promtool := promtest.PromtoolBinary(t)
	if _, err := exec.LookPath(bin); err != nil {
		t.Skip(err)
	}
	// Another server already answers on the preferred Prometheus port, as a user's own
	// Prometheus would on 9090: the demo must start its own elsewhere, not query that one.
	squatter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{}}`)
	}))
	defer squatter.Close()
	promPort := squatter.Listener.Addr().(*net.TCPAddr).Port
	expPort, _ := promtest.FreePort()
	var out, errOut bytes.Buffer
	code := run([]string{"demo", "--rounds", "1", "--dir", t.TempDir(),
		"--prometheus", bin, "--promtool", promtool,
		"--prometheus-listen", fmt.Sprintf("127.0.0.1:%d", promPort),
		"--exporter-listen", fmt.Sprintf("127.0.0.1:%d", expPort)}, nil, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), squatter.URL) {
		t.Errorf("the demo used the server already on its port:\n%s", out.String())
	}
	for _, want := range []string{"checkout   anomalies:", "payments   anomalies:", "catalog    no anomalies, seasonality 24h"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
