package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/pgschema"

	dskitlog "github.com/grafana/dskit/log"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/loadgen"
	"github.com/foresight-aiops/foresight/pkg/receiver"
)

// defaultLoadtestPostgres is the database --self postgres uses; each run gets a fresh
// schema in it.
const defaultLoadtestPostgres = pgschema.DefaultDSN

// loadtestFlags is the command line of "foresight loadtest".
type loadtestFlags struct {
	gen           loadgen.Config
	self          string
	postgresDSN   string
	receiverFlags string
	cpuProfile    string
	keep          bool
}

func parseLoadtestFlags(args []string, stderr io.Writer) (loadtestFlags, error) {
	var lf loadtestFlags
	f := flag.NewFlagSet("foresight loadtest", flag.ContinueOnError)
	f.SetOutput(stderr)
	f.StringVar(&lf.gen.URL, "url", "", "Receiver base URL (http://host:9480); not with --self.")
	f.StringVar(&lf.gen.Token, "token", "", "Bearer token of the tenant; --self makes its own.")
	f.Float64Var(&lf.gen.Rate, "rate", 5000, "Target alerts per second (open loop: sent on schedule whatever the latency).")
	f.DurationVar(&lf.gen.Duration, "duration", 30*time.Second, "How long to send.")
	f.IntVar(&lf.gen.AlertsPerWebhook, "alerts-per-webhook", loadgen.DefaultAlertsPerWebhook, "Alerts in each webhook.")
	f.IntVar(&lf.gen.Connections, "connections", loadgen.DefaultConnections, "Most requests in flight; a request due while all are busy waits and counts as late.")
	f.DurationVar(&lf.gen.Drain, "drain", loadgen.DefaultDrain, "After --duration, how long queued webhooks may still wait for a connection; the rest count as errors (not sent).")
	f.IntVar(&lf.gen.Services, "services", loadgen.DefaultServices, "Distinct services the alerts come from.")
	f.Float64Var(&lf.gen.Mix.Resend, "resend", loadgen.DefaultMix.Resend, "Share of alerts that are resends of firing ones.")
	f.Float64Var(&lf.gen.Mix.Resolve, "resolve", loadgen.DefaultMix.Resolve, "Share of alerts that resolve firing ones.")
	f.StringVar(&lf.self, "self", "", "Start a receiver in this process on sqlite or postgres and drive it.")
	f.StringVar(&lf.postgresDSN, "postgres-dsn", defaultLoadtestPostgres, "PostgreSQL for --self postgres; a fresh schema is made per run.")
	f.StringVar(&lf.receiverFlags, "receiver-flags", "", "Extra receiver flags for --self, space-separated (e.g. -store.sqlite-synchronous=NORMAL).")
	f.StringVar(&lf.cpuProfile, "cpuprofile", "", "Write a CPU profile of the run (generator and, with --self, receiver) to this file.")
	f.BoolVar(&lf.keep, "keep", false, "With --self, keep the SQLite file or PostgreSQL schema afterwards.")
	if err := f.Parse(args); err != nil {
		return lf, err
	}
	switch {
	case f.NArg() > 0:
		return lf, fmt.Errorf("unexpected arguments %q", f.Args())
	case lf.self != "" && lf.self != "sqlite" && lf.self != "postgres":
		return lf, fmt.Errorf("--self must be sqlite or postgres, got %q", lf.self)
	case lf.self == "" && lf.gen.URL == "":
		return lf, errors.New("give --url (and --token) of a running receiver, or --self sqlite|postgres")
	case lf.self != "" && lf.gen.URL != "":
		return lf, errors.New("--url and --self exclude each other")
	}
	return lf, nil
}

// runLoadtest drives a receiver with Alertmanager webhooks at a fixed rate and prints the
// latency and error figures; its last line is one summary for scripts.
func runLoadtest(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	lf, err := parseLoadtestFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "foresight loadtest: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := loadtest(ctx, lf, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "foresight loadtest: %v\n", err)
		return exitFail
	}
	return exitOK
}

func loadtest(ctx context.Context, lf loadtestFlags, stdout, stderr io.Writer) error {
	storeName := "external"
	if lf.self != "" {
		storeName = lf.self
		rc, cleanup, err := startSelfReceiver(ctx, lf, stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		lf.gen.URL = "http://" + rc.Addr().String()
		lf.gen.Token = selfToken
	}
	if lf.cpuProfile != "" {
		stopProfile, err := startCPUProfile(lf.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	res, err := loadgen.Run(ctx, lf.gen)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	res.Report(stdout)
	reportWriterMetrics(ctx, stdout, lf.gen.URL, res.Elapsed)
	fmt.Fprintf(stdout, "loadtest store=%s rate=%.0f achieved=%.0f p50=%.1f p99=%.1f max=%.1f errors=%d\n",
		storeName, lf.gen.Rate, res.AchievedRate(), loadgen.Millis(res.Quantile(0.5)),
		loadgen.Millis(res.Quantile(0.99)), loadgen.Millis(res.Max()), res.ErrorCount())
	return nil
}

// selfToken is the token of the in-process receiver's one tenant. It is random so that
// the receiver's listening port, open for the run, accepts nothing from elsewhere.
var selfToken = randomHex(16)

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no entropy: nothing sane to do
	}
	return hex.EncodeToString(b)
}

// startSelfReceiver runs a receiver in this process on a fresh store, configured as an
// operator would with flags, and returns a function that stops it and removes the store.
func startSelfReceiver(ctx context.Context, lf loadtestFlags, stderr io.Writer) (*receiver.Receiver, func(), error) {
	args := []string{"-server.http-listen-port=0", "-server.http-listen-address=127.0.0.1",
		"-log.level=warn", "-tenant.id=loadtest", "-tenant.token=" + selfToken}
	var dropStore func()
	switch lf.self {
	case "sqlite":
		dir, err := os.MkdirTemp("", "foresight-loadtest-")
		if err != nil {
			return nil, nil, fmt.Errorf("make store dir: %w", err)
		}
		args = append(args, "-store.path="+filepath.Join(dir, "foresight.db"))
		dropStore = func() { _ = os.RemoveAll(dir) }
		if lf.keep {
			fmt.Fprintf(stderr, "store kept in %s\n", dir)
			dropStore = func() {}
		}
	case "postgres":
		dsn, drop, err := freshPostgresSchema(ctx, lf.postgresDSN, lf.keep, stderr)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, "-store.dsn="+dsn)
		dropStore = drop
	}
	args = append(args, strings.Fields(lf.receiverFlags)...)

	var cfg receiver.Config
	f := flag.NewFlagSet("receiver", flag.ContinueOnError)
	f.SetOutput(stderr)
	if err := receiver.Load(&cfg, args, f); err != nil {
		dropStore()
		return nil, nil, fmt.Errorf("receiver flags: %w", err)
	}
	logger := dskitlog.NewGoKitWithLevel(cfg.Server.LogLevel, cfg.Server.LogFormat)
	rc, err := receiver.New(ctx, cfg, logger)
	if err != nil {
		dropStore()
		return nil, nil, fmt.Errorf("start receiver: %w", err)
	}
	if err := services.StartAndAwaitRunning(ctx, rc); err != nil {
		dropStore()
		return nil, nil, fmt.Errorf("start receiver: %w", err)
	}
	return rc, func() {
		_ = services.StopAndAwaitTerminated(context.Background(), rc)
		dropStore()
	}, nil
}

// freshPostgresSchema makes an empty schema and returns dsn pointing at it with
// search_path, so that runs never see each other's incidents.
func freshPostgresSchema(ctx context.Context, dsn string, keep bool, stderr io.Writer) (string, func(), error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("open postgres: %w", err)
	}
	schemaDSN, drop, err := pgschema.Create(ctx, admin, dsn, "loadtest_")
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	return schemaDSN, func() {
		defer admin.Close()
		if keep {
			fmt.Fprintf(stderr, "schema kept: %s\n", pgschema.Redact(schemaDSN))
			return
		}
		if err := drop(); err != nil {
			fmt.Fprintln(stderr, err)
		}
	}, nil
}

func startCPUProfile(path string) (func(), error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}

// reportWriterMetrics prints the writer's group-commit figures from the receiver's
// /metrics, which tell whether time goes to commits or elsewhere. They are cumulative,
// so against a long-running receiver they cover more than this run.
func reportWriterMetrics(ctx context.Context, w io.Writer, base string, elapsed time.Duration) {
	m, err := scrapeMetrics(ctx, strings.TrimRight(base, "/")+"/metrics")
	if err != nil {
		fmt.Fprintf(w, "writer        (no metrics: %v)\n", err)
		return
	}
	batches := m["foresight_receiver_batch_jobs_count"]
	if batches == 0 {
		return
	}
	fmt.Fprintf(w, "writer        %.0f commits, %.1f jobs per commit, %.2fms per commit, %.0f%% of the run committing\n",
		batches, m["foresight_receiver_batch_jobs_sum"]/batches,
		1000*m["foresight_receiver_commit_duration_seconds_sum"]/batches,
		100*m["foresight_receiver_commit_duration_seconds_sum"]/elapsed.Seconds())
}

// scrapeMetrics reads the unlabelled sample values of a Prometheus text exposition.
func scrapeMetrics(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			m[name] = v
		}
	}
	return m, sc.Err()
}
