package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	dskitlog "github.com/grafana/dskit/log"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/receiver"
)

// runReceiver runs the alert receiver until SIGINT or SIGTERM, then shuts it down
// gracefully (in-flight webhooks finish, queued work is committed).
func runReceiver(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cfg receiver.Config
	f := flag.NewFlagSet("foresight receiver", flag.ContinueOnError)
	f.SetOutput(stderr)
	dev := f.Bool("dev", false, "Development mode: embedded SQLite in ./data and a fresh random token when none is configured.")
	if err := receiver.Load(&cfg, args, f); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitUsage
		}
		fmt.Fprintf(stderr, "foresight receiver: %v\n", err)
		return exitUsage
	}
	if *dev {
		if err := devDefaults(&cfg); err != nil {
			fmt.Fprintf(stderr, "foresight receiver: %v\n", err)
			return exitFail
		}
	}
	logger := dskitlog.NewGoKitWithLevel(cfg.Server.LogLevel, cfg.Server.LogFormat)
	ctx := context.Background()
	rc, err := receiver.New(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "foresight receiver: %v\n", err)
		return exitFail
	}
	if err := services.StartAndAwaitRunning(ctx, rc); err != nil {
		fmt.Fprintf(stderr, "foresight receiver: %v\n", err)
		return exitFail
	}
	printContactPoint(stdout, rc.Addr(), cfg)
	if err := rc.AwaitTerminated(ctx); err != nil {
		fmt.Fprintf(stderr, "foresight receiver: %v\n", err)
		return exitFail
	}
	return exitOK
}

// devDefaults gives `make run` a receiver that needs no configuration: data under ./data
// and, when no tenant is configured, one tenant "default" with a random token printed once.
func devDefaults(cfg *receiver.Config) error {
	if cfg.Store.DSN == "" && cfg.Store.Path == "foresight.db" {
		cfg.Store.Path = filepath.Join("data", "foresight.db")
		if err := os.MkdirAll("data", 0o750); err != nil {
			return fmt.Errorf("make the data folder: %w", err)
		}
	}
	if len(cfg.Tenants) > 0 || cfg.Tenant.Token != "" || cfg.Tenant.Username != "" {
		return nil
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("make a token: %w", err)
	}
	cfg.Tenant.Token = hex.EncodeToString(b[:])
	return nil
}

// printContactPoint prints where the receiver listens and what to paste into Grafana's
// contact point and Alertmanager's configuration. The token is printed because the person
// who started the receiver needs it; it is never logged.
func printContactPoint(w io.Writer, addr net.Addr, cfg receiver.Config) {
	host := "localhost"
	port := strconv.Itoa(addr.(*net.TCPAddr).Port)
	base := "http://" + net.JoinHostPort(host, port)
	fmt.Fprintf(w, "Foresight receiver listening on %s (ready: %s/ready, metrics: %s/metrics)\n\n", base, base, base)
	for _, t := range cfg.TenantList() {
		fmt.Fprintf(w, "Tenant %q\n", t.ID)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  Grafana contact point\tIntegration: Webhook\n")
		fmt.Fprintf(tw, "  \tURL: %s/api/v1/alerts/grafana\n", base)
		switch {
		case t.Token != "":
			fmt.Fprintf(tw, "  \tAuthorization header: scheme Bearer, credentials %s\n", t.Token)
		default:
			fmt.Fprintf(tw, "  \tBasic auth: username %s, password (as configured)\n", t.Username)
		}
		if t.HMAC.Secret != "" {
			fmt.Fprintf(tw, "  \tHMAC signature: the configured secret, header X-Grafana-Alerting-Signature\n")
		}
		tw.Flush()
		fmt.Fprintf(w, "  Alertmanager receiver:\n    webhook_configs:\n      - url: %s/api/v1/alerts/alertmanager\n", base)
		if t.Token != "" {
			fmt.Fprintf(w, "        http_config:\n          authorization:\n            credentials: %s\n", t.Token)
		}
		fmt.Fprintf(w, "  Incidents: curl -H 'Authorization: Bearer <token>' %s/api/v1/incidents\n", base)
		if cfg.RCA.Enabled {
			fmt.Fprintf(w, "  Probable causes: curl -H 'Authorization: Bearer <token>' %s/api/v1/incidents/<id>/hypotheses\n", base)
		}
		fmt.Fprintln(w)
	}
}
