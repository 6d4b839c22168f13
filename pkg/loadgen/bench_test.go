package loadgen

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/receiver"
	"github.com/foresight-aiops/foresight/pkg/webhook"
)

// BenchmarkEngineIngest measures the incident engine alone on the generator's traffic,
// after a warm-up that gives every service an incident, for several service counts: the
// cost per alert should not grow with the number of open incidents.
func BenchmarkEngineIngest(b *testing.B) {
	for _, svcs := range []int{30, 300, 1000} {
		b.Run("services="+strconv.Itoa(svcs), func(b *testing.B) {
			now := time.Now()
			tr := newTraffic(1, svcs, DefaultMaxFiring, DefaultMix)
			e := incident.NewEngine(incident.DefaultConfig(), nil, idSeq())
			for _, n := range parse(b, tr, 3*svcs, now) {
				e.Ingest(n.Alerts, n.GroupKey, now)
			}
			work := parse(b, tr, 1000, now)
			b.ResetTimer()
			i := 0
			for b.Loop() {
				// Fresh traffic every time: replaying webhooks would turn new alerts into
				// cheap repeats and hide the cost of grouping.
				if i > 0 && i%len(work) == 0 {
					b.StopTimer()
					work = parse(b, tr, len(work), now)
					b.StartTimer()
				}
				n := work[i%len(work)]
				e.Ingest(n.Alerts, n.GroupKey, now)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*DefaultAlertsPerWebhook), "ns/alert")
		})
	}
}

func idSeq() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("inc-%d", n) }
}

// BenchmarkParse measures decoding one generated webhook of 10 alerts.
func BenchmarkParse(b *testing.B) {
	var c Counts
	tr := newTraffic(1, DefaultServices, DefaultMaxFiring, DefaultMix)
	body, err := tr.webhook(DefaultAlertsPerWebhook, time.Now(), &c)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := webhook.Parse(body, webhook.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngest posts generated webhooks one at a time to an in-process receiver on
// SQLite: the full path (HTTP, parse, engine, SQL, commit with fsync) without group
// commit's help, since each webhook waits for its own commit.
func BenchmarkIngest(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sqlite-synchronous="+sync, func(b *testing.B) {
			base, token := benchReceiver(b, "-store.sqlite-synchronous="+sync)
			tr := newTraffic(1, DefaultServices, DefaultMaxFiring, DefaultMix)
			var c Counts
			client := &http.Client{}
			for b.Loop() {
				body, err := tr.webhook(DefaultAlertsPerWebhook, time.Now(), &c)
				if err != nil {
					b.Fatal(err)
				}
				req, _ := http.NewRequest(http.MethodPost, base+DefaultPath, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

func benchReceiver(b *testing.B, extra ...string) (string, string) {
	b.Helper()
	const token = "bench-token-0123456789"
	var cfg receiver.Config
	args := append([]string{"-server.http-listen-port=0", "-server.http-listen-address=127.0.0.1",
		"-store.path=" + filepath.Join(b.TempDir(), "foresight.db"), "-log.level=warn", "-tenant.token=" + token}, extra...)
	if err := receiver.Load(&cfg, args, flag.NewFlagSet("bench", flag.ContinueOnError)); err != nil {
		b.Fatal(err)
	}
	rc, err := receiver.New(context.Background(), cfg, log.NewNopLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := services.StartAndAwaitRunning(context.Background(), rc); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = services.StopAndAwaitTerminated(context.Background(), rc) })
	return "http://" + rc.Addr().String(), token
}
