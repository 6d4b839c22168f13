package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/foresight-aiops/foresight/pkg/promtest"
	"github.com/foresight-aiops/foresight/pkg/synthetic"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// pluginBinary builds gpx_foresight once per test run, as the release build would.
func pluginBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "foresight-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gpx_foresight")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/foresight-aiops/foresight/pkg").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		tb.Fatalf("build gpx_foresight: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// pluginClient is the backend as Grafana sees it.
type pluginClient struct {
	data   pluginv2.DataClient
	health pluginv2.DiagnosticsClient
}

// startPlugin launches the executable with go-plugin's handshake and protocol set, exactly
// as Grafana's plugin manager does.
func startPlugin(tb testing.TB) *pluginClient {
	tb.Helper()
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
			"stream":      &grpcplugin.StreamGRPCPlugin{},
		}},
		Cmd:              exec.Command(pluginBinary(tb)),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
	})
	tb.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		tb.Fatalf("start plugin: %v", err)
	}
	data, err := rpc.Dispense("data")
	if err != nil {
		tb.Fatalf("dispense data: %v", err)
	}
	diag, err := rpc.Dispense("diagnostics")
	if err != nil {
		tb.Fatalf("dispense diagnostics: %v", err)
	}
	return &pluginClient{data: data.(grpcplugin.DataClient), health: diag.(grpcplugin.DiagnosticsClient)}
}

func pluginContext(jsonData map[string]any) backend.PluginContext {
	raw, _ := json.Marshal(jsonData)
	return backend.PluginContext{
		OrgID:    1,
		PluginID: "foresight-aiops-datasource",
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			UID: "e2e-" + strings.ReplaceAll(string(raw), `"`, ""), ID: 1, Name: "Foresight", JSONData: raw, Updated: time.Unix(1, 0),
		},
	}
}

func (c *pluginClient) checkHealth(tb testing.TB, pc backend.PluginContext) *backend.CheckHealthResult {
	tb.Helper()
	resp, err := c.health.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pc)})
	if err != nil {
		tb.Fatalf("CheckHealth: %v", err)
	}
	return backend.FromProto().CheckHealthResponse(resp)
}

func (c *pluginClient) queryData(tb testing.TB, req *backend.QueryDataRequest) *backend.QueryDataResponse {
	tb.Helper()
	resp, err := c.data.QueryData(context.Background(), backend.ToProto().QueryDataRequest(req))
	if err != nil {
		tb.Fatalf("QueryData: %v", err)
	}
	out, err := backend.FromProto().QueryDataResponse(resp)
	if err != nil {
		tb.Fatalf("decode QueryData response: %v", err)
	}
	return out
}

// demo is a real Prometheus holding eight days of the synthetic scenario (backfilled) and
// scraping its exporter live.
type demo struct {
	scenario synthetic.Scenario
	prom     *promtest.Server
	exporter string // host:port
}

func startDemo(tb testing.TB) *demo {
	tb.Helper()
	anchor := time.Now().UTC().Truncate(time.Minute)
	s := synthetic.NewScenario(anchor)
	l := promtest.ListenLoopback(tb)
	srv := &http.Server{Handler: synthetic.Handler(s, time.Now), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	prom := promtest.Start(tb, promtest.Options{
		Backfill: func(w io.Writer) error {
			return synthetic.WriteOpenMetrics(w, s, anchor.Add(-8*24*time.Hour), anchor.Add(-2*time.Minute), time.Minute)
		},
		ScrapeTargets: []string{l.Addr().String()},
	})
	return &demo{scenario: s, prom: prom, exporter: l.Addr().String()}
}
