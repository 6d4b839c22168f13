package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
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

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/receiver"
	"github.com/foresight-aiops/foresight/pkg/shop"
)

const runUsage = `Usage: foresight run [flags]

Runs the whole of Foresight on a simulated shop of seven microservices: an exporter of
their metrics (traffic following the day, a fault every few minutes: a slow database, a
bad payments release, a saturated catalog CPU), a real Prometheus (Debian package)
scraping it with alert rules, a real Alertmanager sending the alerts to the Foresight
receiver (in this process, embedded SQLite), which groups them into incidents and ranks
their probable causes. Each incident and its top hypotheses are printed as they appear.
Stop with Ctrl-C; everything it started stops with it.

Flags:
`

// runConfig is the command line of "foresight run".
type runConfig struct {
	dir      string
	speed    float64
	duration time.Duration
	seed     int64
	history  time.Duration
	listen   string
	token    string
	ports    struct{ prometheus, alertmanager, receiver, exporter int }
	bins     struct{ prometheus, promtool, alertmanager string }
	poll     time.Duration
}

func runRun(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	c, err := parseRun(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "foresight run: %v\n", err)
		}
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.duration)
		defer cancel()
	}
	err = c.run(ctx, stdout)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "foresight run: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stdout, "Stopped.")
	return exitOK
}

// parseRun reads and checks the command line; flag errors are already printed to stderr.
func parseRun(args []string, stderr io.Writer) (runConfig, error) {
	f := flag.NewFlagSet("foresight run", flag.ContinueOnError)
	f.SetOutput(stderr)
	f.Usage = func() { fmt.Fprint(f.Output(), runUsage); f.PrintDefaults() }
	var c runConfig
	f.StringVar(&c.dir, "dir", filepath.Join("data", "demo"), "working directory for the demo's configuration and data (emptied at each start)")
	f.Float64Var(&c.speed, "speed", 1, "run the fault schedule, alert timings and incident grouping this many times faster")
	f.DurationVar(&c.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	f.Int64Var(&c.seed, "seed", 1, "seed of the shop's noise: the same seed gives the same metrics")
	f.DurationVar(&c.history, "history", 3*time.Hour, "healthy history written into Prometheus before it starts, so baselines and dashboards have data (0: none)")
	f.StringVar(&c.listen, "listen", "127.0.0.1", "address every server listens on; 0.0.0.0 lets Grafana in Docker reach them through host.docker.internal")
	f.StringVar(&c.token, "token", "", "bearer token of the demo tenant (default: a random one, printed)")
	f.IntVar(&c.ports.prometheus, "prometheus-port", 9090, "Prometheus port (0: any free port; a taken port is replaced by a free one)")
	f.IntVar(&c.ports.alertmanager, "alertmanager-port", 9093, "Alertmanager port (0: any free port)")
	f.IntVar(&c.ports.receiver, "receiver-port", 9480, "receiver port (0: any free port)")
	f.IntVar(&c.ports.exporter, "exporter-port", 9464, "shop exporter port (0: any free port)")
	f.StringVar(&c.bins.prometheus, "prometheus", "prometheus", "prometheus executable")
	f.StringVar(&c.bins.promtool, "promtool", "promtool", "promtool executable")
	f.StringVar(&c.bins.alertmanager, "alertmanager", "prometheus-alertmanager", "alertmanager executable (Debian names it prometheus-alertmanager)")
	f.DurationVar(&c.poll, "poll", 2*time.Second, "how often the receiver's API is asked for new incidents and hypotheses")
	if err := f.Parse(args); err != nil {
		return c, err
	}
	if f.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", f.Args())
	}
	return c, c.validate()
}

func (c runConfig) validate() error {
	switch {
	case c.speed <= 0 || c.speed > 100 || math.IsNaN(c.speed):
		return fmt.Errorf("-speed %v must be above 0 and at most 100", c.speed)
	case c.duration < 0:
		return fmt.Errorf("-duration %s must not be negative", c.duration)
	case c.history < 0 || c.history > 8*24*time.Hour:
		return fmt.Errorf("-history %s must be from 0 to 8 days", c.history)
	case c.poll <= 0:
		return fmt.Errorf("-poll %s must be positive", c.poll)
	case net.ParseIP(c.listen) == nil:
		return fmt.Errorf("-listen %q is not an IP address", c.listen)
	}
	for _, p := range []struct {
		name string
		port int
	}{{"prometheus", c.ports.prometheus}, {"alertmanager", c.ports.alertmanager}, {"receiver", c.ports.receiver}, {"exporter", c.ports.exporter}} {
		if p.port < 0 || p.port > 65535 {
			return fmt.Errorf("-%s-port %d is not a TCP port", p.name, p.port)
		}
	}
	return nil
}

// demoTimings are the intervals of every part of the demo, all scaled by -speed so that a
// fast schedule still lets a fault be scraped, alerted on, grouped and analysed before it
// ends.
type demoTimings struct {
	scrape         time.Duration
	rules          shop.RuleTimings
	groupWait      time.Duration // Alertmanager's
	groupInterval  time.Duration // Alertmanager's
	grouping       []string      // receiver flags
	rcaLookback    time.Duration
	rcaMinInterval time.Duration
	refresh        time.Duration // receiver's RCA and topology refresh
}

func timingsFor(speed float64) demoTimings {
	scale := func(d, floor time.Duration) time.Duration {
		return max(floor, time.Duration(float64(d)/speed).Round(time.Second))
	}
	scrape := scale(5*time.Second, time.Second)
	t := demoTimings{
		scrape: scrape,
		rules: shop.RuleTimings{Interval: scrape, Window: max(4*scrape, scale(time.Minute, time.Second)),
			For: scale(30*time.Second, scrape)},
		groupWait:     scale(10*time.Second, time.Second),
		groupInterval: scale(30*time.Second, time.Second),
		// The lookback reaches from the first alert back past the fault's onset (the
		// rate window plus the rules' for), but not to the fault before.
		rcaLookback:    scale(3*time.Minute, 30*time.Second),
		rcaMinInterval: scale(30*time.Second, 5*time.Second),
		refresh:        scale(time.Minute, 10*time.Second),
	}
	// Faults are seven minutes apart at speed 1: an incident takes the alerts of one
	// fault (its services are all a hop or two apart) and resolves before the next.
	window := scale(2*time.Minute, 10*time.Second)
	t.grouping = []string{
		"-grouping.window=" + window.String(),
		"-grouping.onset-window=" + (window * 3 / 2).String(),
		"-grouping.cooldown=" + scale(time.Minute, 5*time.Second).String(),
		"-grouping.reopen-window=" + scale(3*time.Minute, 10*time.Second).String(),
		"-grouping.group-wait=" + scale(20*time.Second, 2*time.Second).String(),
		"-grouping.notify-interval=" + scale(time.Minute, 5*time.Second).String(),
	}
	return t
}

// demo is what "foresight run" started, in the order it stops them (last first).
type demo struct {
	cfg      runConfig
	timings  demoTimings
	shop     *shop.Shop
	started  time.Time
	token    string
	exporter string // host:port
	prom     *daemon
	am       *daemon
	receiver *receiver.Receiver
	recvURL  string
	stops    []func()
}

func (c runConfig) run(ctx context.Context, out io.Writer) error {
	d := &demo{cfg: c, timings: timingsFor(c.speed), started: time.Now(), token: c.token}
	defer d.stop()
	if err := d.start(ctx, out); err != nil {
		return err
	}
	d.banner(out)
	return d.watch(ctx, out)
}

// stop stops what was started, last first.
func (d *demo) stop() {
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
	d.stops = nil
}

func (d *demo) start(ctx context.Context, out io.Writer) error {
	if err := resetDemoDir(d.cfg.dir); err != nil {
		return err
	}
	if d.token == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("make a token: %w", err)
		}
		d.token = hex.EncodeToString(b[:])
	}
	steps := []struct {
		what string
		run  func(context.Context) error
	}{
		{"shop exporter", d.startExporter},
		{"history", d.writeHistory},
		{"prometheus", d.startPrometheus},
		{"receiver", d.startReceiver},
		{"alertmanager", d.startAlertmanager},
	}
	for _, s := range steps {
		fmt.Fprintf(out, "starting %s…\n", s.what)
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// demoMarker marks a directory as the demo's, so that -dir pointing at anything else is
// never emptied.
const demoMarker = ".foresight-demo"

// resetDemoDir empties dir for a new run: a directory that does not exist, is empty, or
// holds the marker of an earlier run.
func resetDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", dir, err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s is not empty and was not made by foresight run (no %s): choose another -dir", dir, demoMarker)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("empty %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by foresight run; emptied at its next start\n"), 0o644)
}

func (d *demo) startExporter(context.Context) error {
	sched := shop.DefaultSchedule().Scaled(d.cfg.speed)
	// The first fault comes one scaled "first fault" offset after the live samples begin;
	// the history before is healthy, so baselines are clean.
	s, err := shop.New(shop.Config{Seed: d.cfg.seed, Schedule: sched, FaultsFrom: d.started, Start: d.started.Add(-d.cfg.history)})
	if err != nil {
		return err
	}
	d.shop = s
	l, err := listen(d.cfg.listen, d.cfg.ports.exporter)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(time.Now), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	d.stops = append(d.stops, func() { _ = srv.Close() })
	d.exporter = l.Addr().String()
	return nil
}

// listen binds port on addr, or any free port when port is 0 or taken.
func listen(addr string, port int) (net.Listener, error) {
	if port != 0 {
		if l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port))); err == nil {
			return l, nil
		}
	}
	return net.Listen("tcp", net.JoinHostPort(addr, "0"))
}

// freePort returns port when it can be bound on addr now, else a free one. The port is
// released before the caller's server binds it, so startDaemon checks that the server
// that answers is the one it started.
func freePort(addr string, port int) (int, error) {
	l, err := listen(addr, port)
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	return p, l.Close()
}

// writeHistory backfills the healthy history with promtool, ending before the first live
// scrape: Prometheus refuses live samples older than its newest block.
func (d *demo) writeHistory(ctx context.Context) error {
	if d.cfg.history == 0 {
		return nil
	}
	file := filepath.Join(d.cfg.dir, "history.om")
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	// One sample per scrape interval, as live: root-cause analysis takes rates over a
	// few scrape intervals, which sparser history would leave empty.
	err = d.shop.WriteHistory(w, d.started.Add(-d.cfg.history), d.started.Add(-time.Second), d.timings.scrape)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, d.cfg.bins.promtool, "tsdb", "create-blocks-from", "openmetrics",
		"--quiet", "--max-block-duration=24h", file, filepath.Join(d.cfg.dir, "prometheus"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("promtool backfill: %w\n%s", err, out)
	}
	return os.Remove(file)
}

// The file-discovery files through which Prometheus learns of the receiver and the
// Alertmanager, which start after it (each needs the other's address).
const (
	receiverTargets     = "receiver-targets.json"
	alertmanagerTargets = "alertmanager-targets.json"
)

func (d *demo) prometheusConfig() string {
	return fmt.Sprintf(`global:
  scrape_interval: %[1]s
  scrape_timeout: %[1]s
  evaluation_interval: %[1]s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - file_sd_configs:
        - files: [%[2]s]
          refresh_interval: 5s
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: [%[3]q]
    # The backfilled history has no job and instance labels: dropping them keeps live
    # samples in the same series.
    metric_relabel_configs:
      - action: labeldrop
        regex: job|instance
  - job_name: foresight-receiver
    file_sd_configs:
      - files: [%[4]s]
        refresh_interval: 5s
`, promDurationMs(d.timings.scrape), alertmanagerTargets, d.exporter, receiverTargets)
}

func promDurationMs(t time.Duration) string { return strconv.FormatInt(t.Milliseconds(), 10) + "ms" }

// writeTargets writes a file-discovery file listing one target.
func (d *demo) writeTargets(name, target string) error {
	raw, err := json.Marshal([]map[string][]string{{"targets": {target}}})
	if err != nil {
		return err
	}
	// Write and rename, so Prometheus never reads half a file.
	tmp := filepath.Join(d.cfg.dir, name+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.cfg.dir, name))
}

func (d *demo) startPrometheus(ctx context.Context) error {
	dir := d.cfg.dir
	files := map[string]string{
		"prometheus.yml":    d.prometheusConfig(),
		"rules.yml":         shop.AlertRules(d.timings.rules),
		receiverTargets:     "[]",
		alertmanagerTargets: "[]",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	data, err := filepath.Abs(filepath.Join(dir, "prometheus"))
	if err != nil {
		return err
	}
	p, err := startDaemon(ctx, daemonSpec{
		name: "prometheus", bin: d.cfg.bins.prometheus, listen: d.cfg.listen, port: d.cfg.ports.prometheus,
		log: filepath.Join(dir, "prometheus.log"),
		args: func(addr string) []string {
			return []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path=" + data,
				"--web.listen-address=" + addr, "--storage.tsdb.retention.time=15d", "--log.level=warn"}
		},
		ours: prometheusStoresIn(ctx, data),
	})
	if err != nil {
		return err
	}
	d.prom = p
	d.stops = append(d.stops, p.stop)
	return nil
}

func (d *demo) startReceiver(ctx context.Context) error {
	args := append([]string{
		"-server.http-listen-address=" + d.cfg.listen, "-server.http-listen-port=" + strconv.Itoa(d.cfg.ports.receiver),
		"-server.grpc-listen-address=127.0.0.1", "-server.grpc-listen-port=0",
		"-server.graceful-shutdown-timeout=5s",
		"-store.path=" + filepath.Join(d.cfg.dir, "foresight.db"),
		"-tenant.id=demo", "-tenant.token=" + d.token,
		"-topology.prometheus-url=" + d.prom.URL, "-topology.refresh=" + d.timings.refresh.String(),
		"-rca.prometheus-url=" + d.prom.URL, "-rca.scrape-interval=" + d.timings.scrape.String(),
		"-rca.lookback=" + d.timings.rcaLookback.String(), "-rca.min-interval=" + d.timings.rcaMinInterval.String(),
		"-rca.refresh-interval=" + d.timings.refresh.String(),
		"-receiver.tick-interval=1s",
	}, d.timings.grouping...)
	rc, addr, err := d.newReceiver(ctx, args)
	if err != nil && d.cfg.ports.receiver != 0 {
		// The port is taken: any free one will do, the banner prints it.
		args[1] = "-server.http-listen-port=0"
		rc, addr, err = d.newReceiver(ctx, args)
	}
	if err != nil {
		return err
	}
	d.receiver = rc
	d.recvURL = "http://" + addr
	d.stops = append(d.stops, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = services.StopAndAwaitTerminated(sctx, rc)
	})
	return d.writeTargets(receiverTargets, addr)
}

// newReceiver starts a receiver configured by args, logging to receiver.log in the demo's
// directory, and returns it with the address it can be reached at.
func (d *demo) newReceiver(ctx context.Context, args []string) (*receiver.Receiver, string, error) {
	var cfg receiver.Config
	f := flag.NewFlagSet("receiver", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	if err := receiver.Load(&cfg, args, f); err != nil {
		return nil, "", err
	}
	logFile, err := os.OpenFile(filepath.Join(d.cfg.dir, "receiver.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, "", err
	}
	d.stops = append(d.stops, func() { _ = logFile.Close() })
	logger := level.NewFilter(log.NewLogfmtLogger(log.NewSyncWriter(logFile)), level.AllowInfo())
	rc, err := receiver.New(ctx, cfg, logger)
	if err != nil {
		return nil, "", err
	}
	if err := services.StartAndAwaitRunning(ctx, rc); err != nil {
		return nil, "", err
	}
	port := rc.Addr().(*net.TCPAddr).Port
	return rc, net.JoinHostPort(connectHost(d.cfg.listen), strconv.Itoa(port)), nil
}

// prometheusStoresIn checks that the Prometheus answering is the one started on data.
func prometheusStoresIn(ctx context.Context, data string) func(*daemon) error {
	return func(dm *daemon) error {
		var flags struct {
			Data map[string]string `json:"data"`
		}
		if err := dm.getJSON(ctx, "/api/v1/status/flags", &flags); err != nil {
			return err
		}
		if got := flags.Data["storage.tsdb.path"]; got != data {
			return fmt.Errorf("%w: it stores in %q", errNotOurs, got)
		}
		return nil
	}
}

// connectHost is the host to connect to a server listening on listen: loopback for the
// wildcard addresses.
func connectHost(listen string) string {
	if ip := net.ParseIP(listen); ip != nil && ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return listen
}

func (d *demo) alertmanagerConfig() string {
	return fmt.Sprintf(`route:
  receiver: foresight
  group_by: [alertname, service]
  group_wait: %s
  group_interval: %s
  repeat_interval: 1h
receivers:
  - name: foresight
    webhook_configs:
      - url: %s/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: %s
`, promDurationMs(d.timings.groupWait), promDurationMs(d.timings.groupInterval), d.recvURL, d.token)
}

func (d *demo) startAlertmanager(ctx context.Context) error {
	dir := d.cfg.dir
	file := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(file, []byte(d.alertmanagerConfig()), 0o600); err != nil {
		return err
	}
	am, err := startDaemon(ctx, daemonSpec{
		name: "alertmanager", bin: d.cfg.bins.alertmanager, listen: d.cfg.listen, port: d.cfg.ports.alertmanager,
		log: filepath.Join(dir, "alertmanager.log"),
		args: func(addr string) []string {
			return []string{"--config.file=" + file, "--storage.path=" + filepath.Join(dir, "alertmanager"),
				"--web.listen-address=" + addr, "--cluster.listen-address=", "--log.level=warn"}
		},
		ours: func(dm *daemon) error {
			var status struct {
				Config struct {
					Original string `json:"original"`
				} `json:"config"`
			}
			if err := dm.getJSON(ctx, "/api/v2/status", &status); err != nil {
				return err
			}
			if !strings.Contains(status.Config.Original, d.recvURL) {
				return fmt.Errorf("%w: it has another configuration", errNotOurs)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	d.am = am
	d.stops = append(d.stops, am.stop)
	return d.writeTargets(alertmanagerTargets, am.Addr)
}

// banner prints where everything is and how to see it in Grafana.
func (d *demo) banner(out io.Writer) {
	sched := shop.DefaultSchedule().Scaled(d.cfg.speed)
	fmt.Fprintf(out, `
Foresight demo is running (working directory %s, logs there).
  Shop exporter    http://%s/metrics  (%d services, faults every %s)
  Prometheus       %s  (alert rules: %s)
  Alertmanager     %s
  Receiver         %s  (tenant "demo", token %s)
                   incidents: curl -H 'Authorization: Bearer %s' %s/api/v1/incidents

See it in Grafana: build the plugin (npm run build, go tool mage build:linux) and start
Grafana with the plugin and the provisioning of this repository:
  FORESIGHT_PROMETHEUS_URL=%s
  FORESIGHT_RECEIVER_URL=%s
  FORESIGHT_RECEIVER_TOKEN=%s
  GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=foresight-aiops-datasource
  dist/ mounted (or copied) as /var/lib/grafana/plugins/foresight-aiops-datasource
  provisioning/ mounted as /etc/grafana/provisioning
docker compose up does all of that (docker-compose.yaml) with Grafana in Docker; on Linux,
start this demo with -listen 0.0.0.0 so that the container can reach it.

`, d.cfg.dir, d.exporter, len(d.shop.Services()), d.faultSpacing(sched),
		d.prom.URL, strings.Join([]string{"HighLatency", "HighErrorRatio", "CPUSaturated"}, ", "), d.am.URL,
		d.recvURL, d.token, d.token, d.recvURL,
		d.prom.URL, d.recvURL, d.token)
	if f, at, ok := sched.Next(0); ok {
		fmt.Fprintf(out, "First fault: %s at %s. Waiting for incidents…\n\n", f.Name, d.started.Add(at).Format("15:04:05"))
	}
}

func (d *demo) faultSpacing(s shop.Schedule) time.Duration {
	if len(s.Faults) == 0 {
		return 0
	}
	return (s.Period / time.Duration(len(s.Faults))).Round(time.Second)
}
