package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/bands"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/synthetic"
)

const demoUsage = `Usage: foresight demo [flags]

Starts a self-contained demo: an exporter serving a daily-seasonal request rate for three
services with injected faults (a spike on checkout 3 h ago, a level shift on payments from
90 min ago), a real Prometheus (Debian package) holding eight days of its history and
scraping it live, and prints, every minute, the anomalies Foresight's bands flag over the
last six hours. Point the Foresight data source at the printed Prometheus URL to see the
same bands in Grafana. Stop with Ctrl-C.

Flags:
`

type demoConfig struct {
	dir            string
	promAddr       string
	exporterAddr   string
	every          time.Duration
	rounds         int
	prometheusPath string
	promtoolPath   string
}

func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := flag.NewFlagSet("foresight demo", flag.ContinueOnError)
	f.SetOutput(stderr)
	f.Usage = func() { fmt.Fprint(f.Output(), demoUsage); f.PrintDefaults() }
	var c demoConfig
	f.StringVar(&c.dir, "dir", ".foresight-demo", "working directory for the demo's Prometheus data (recreated at each start)")
	f.StringVar(&c.promAddr, "prometheus-listen", "127.0.0.1:9090", "address the demo Prometheus listens on (another port when this one is taken)")
	f.StringVar(&c.exporterAddr, "exporter-listen", "127.0.0.1:9464", "address the demo exporter listens on (another port when this one is taken)")
	f.DurationVar(&c.every, "every", time.Minute, "how often to evaluate and print the bands")
	f.IntVar(&c.rounds, "rounds", 0, "stop after this many evaluations (0: run until interrupted)")
	f.StringVar(&c.prometheusPath, "prometheus", "prometheus", "prometheus executable")
	f.StringVar(&c.promtoolPath, "promtool", "promtool", "promtool executable")
	if err := f.Parse(args); err != nil {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.run(ctx, stdout); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "foresight demo: %v\n", err)
		return exitFail
	}
	return exitOK
}

func (c demoConfig) run(ctx context.Context, out io.Writer) error {
	anchor := time.Now().UTC().Truncate(time.Minute)
	s := synthetic.NewScenario(anchor)
	host, port, err := splitListen(c.exporterAddr)
	if err != nil {
		return fmt.Errorf("--exporter-listen: %w", err)
	}
	l, err := listen(host, port) // another port when this one is taken: the URL is printed
	if err != nil {
		return fmt.Errorf("exporter: %w", err)
	}
	exporter := &http.Server{Handler: synthetic.Handler(s, time.Now), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = exporter.Serve(l) }()
	defer exporter.Close()

	prom, err := c.startPrometheus(ctx, s, l.Addr().String())
	if err != nil {
		return err
	}
	defer prom.stop()
	url := prom.URL
	fmt.Fprintf(out, "Demo exporter: http://%s/metrics\nDemo Prometheus: %s (eight days of history, scraping live)\n", l.Addr(), url)
	fmt.Fprintf(out, "In Grafana: load dist/ as the plugin foresight-aiops-datasource, point its Prometheus URL at %s\n(provisioning/ does it when FORESIGHT_PROMETHEUS_URL is set) and query %s with kind Anomaly.\n\n", url, synthetic.MetricName)
	return c.watch(ctx, out, url)
}

// startPrometheus backfills the history with promtool and starts Prometheus on it.
func (c demoConfig) startPrometheus(ctx context.Context, s synthetic.Scenario, target string) (*daemon, error) {
	data := filepath.Join(c.dir, "prometheus")
	if err := os.RemoveAll(c.dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	history := filepath.Join(c.dir, "history.om")
	hf, err := os.Create(history)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(hf)
	err = synthetic.WriteOpenMetrics(w, s, s.Anchor.Add(-8*24*time.Hour), s.Anchor.Add(-2*time.Minute), time.Minute)
	if err == nil {
		err = w.Flush()
	}
	if cerr := hf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write history: %w", err)
	}
	if out, err := exec.CommandContext(ctx, c.promtoolPath, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", history, data).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("promtool backfill: %w\n%s", err, out)
	}
	cfg := filepath.Join(c.dir, "prometheus.yml")
	yaml := fmt.Sprintf("global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: foresight-demo\n    static_configs:\n      - targets: [%q]\n"+
		"    metric_relabel_configs:\n      # backfilled history has no job/instance labels: keep live samples in the same series\n      - action: labeldrop\n        regex: job|instance\n", target)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	host, port, err := splitListen(c.promAddr)
	if err != nil {
		return nil, fmt.Errorf("--prometheus-listen: %w", err)
	}
	return startDaemon(ctx, daemonSpec{
		name: "prometheus", bin: c.prometheusPath, listen: host, port: port,
		log: filepath.Join(c.dir, "prometheus.log"),
		args: func(addr string) []string {
			return []string{"--config.file=" + cfg, "--storage.tsdb.path=" + data,
				"--web.listen-address=" + addr, "--storage.tsdb.retention.time=30d", "--log.level=warn"}
		},
		ours: prometheusStoresIn(ctx, data),
	})
}

// splitListen splits a host:port listen address; the port is preferred, not required.
func splitListen(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return host, port, nil
}

// watch evaluates the bands over the last six hours every c.every and prints the anomalies.
func (c demoConfig) watch(ctx context.Context, out io.Writer, url string) error {
	client, err := prometheus.New(url, http.DefaultClient, prometheus.Options{})
	if err != nil {
		return err
	}
	ev := bands.New(bands.Config{})
	for round := 1; ; round++ {
		now := time.Now()
		res, err := ev.Evaluate(ctx, client, bands.Request{
			SourceKey: url, Expr: synthetic.MetricName, From: now.Add(-6 * time.Hour).UnixMilli(), To: now.UnixMilli(),
			Step: time.Minute.Milliseconds(), Training: (7 * 24 * time.Hour).Milliseconds(), Band: anomaly.DefaultConfig(),
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s  bands over the last 6h (%d points fetched, cache %s)\n", now.Format("15:04:05"), res.Stats.Fetched, res.Stats.Cache)
		for _, sb := range res.Series {
			fmt.Fprintf(out, "  %-10s %s\n", sb.Labels[synthetic.ServiceLabel], describeAnomalies(sb))
		}
		if c.rounds > 0 && round >= c.rounds {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.every):
		}
	}
}

// describeAnomalies summarises the flagged runs of a series in one line.
func describeAnomalies(sb bands.SeriesBand) string {
	var runs []string
	for i := 0; i < len(sb.Times); i++ {
		if sb.Band.Anomaly[i] == 0 {
			continue
		}
		j, peak := i, 0.0
		for j < len(sb.Times) && sb.Band.Anomaly[j] != 0 {
			peak = max(peak, sb.Band.Score[j])
			j++
		}
		runs = append(runs, fmt.Sprintf("%s–%s (%d points, peak score %.1f)",
			time.UnixMilli(sb.Times[i]).Format("15:04"), time.UnixMilli(sb.Times[j-1]).Format("15:04"), j-i, peak))
		i = j
	}
	if len(runs) == 0 {
		return "no anomalies, seasonality " + sb.Period.String()
	}
	return "anomalies: " + strings.Join(runs, ", ")
}
