package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
)

// TestTwoReceiversOnePostgresNotifyOnce runs two receivers on one PostgreSQL schema, as
// a highly available pair behind a load balancer would, and checks that every incident
// is notified exactly once per kind however the work is spread: webhooks alternate
// between the receivers, an alert is resolved through the receiver that did not open
// its incident, both receivers run lifecycle ticks that could each resolve it, and
// both deliverers claim from the same outbox.
func TestTwoReceiversOnePostgresNotifyOnce(t *testing.T) {
	dsn := postgresDSN(t)
	targets := newSink(t)
	shared := []string{
		"-store.dsn=" + dsn,
		"-grouping.group-wait=0s",
		"-grouping.cooldown=1s",
		"-receiver.tick-interval=200ms",
		// Both deliverers poll often, so both claim from the same outbox at once
		// rather than one of them doing all the work after a wake-up.
		"-notify.delivery.poll-interval=100ms",
	}
	// The owner names leases: it must differ between receivers sharing the store (the
	// default, host and PID, would be the same for two receivers in one process).
	receivers := []*testReceiver{
		startReceiver(t, []notify.TargetConfig{targets.target("r1")}, append(shared, "-notify.delivery.owner=e2e-r1")...),
		startReceiver(t, []notify.TargetConfig{targets.target("r2")}, append(shared, "-notify.delivery.owner=e2e-r2")...),
	}

	// 200 incidents: 160 for tenant a, 40 for tenant b. Every alert names its own
	// service and nothing else identifying, so no two alerts group and each opens an
	// incident.
	type fault struct {
		tenant, token, service string
		start                  time.Time
	}
	var faults []fault
	start := time.Now().Add(-time.Second)
	for i := range 200 {
		f := fault{tenant: "a", token: tokenA, service: fmt.Sprintf("svc-%03d", i), start: start}
		if i%5 == 4 {
			f.tenant, f.token = "b", tokenB
		}
		faults = append(faults, f)
	}
	// send posts one webhook per fault from 16 workers; fault i goes to receiver
	// (i+shift)%2. A 503 is retried as Alertmanager would: it promises that nothing
	// was stored, so a retry must not duplicate anything either.
	var retries atomic.Int64
	send := func(status string, shift int) map[string]string {
		var (
			mu      sync.Mutex
			opened  = map[string]string{} // incident id → tenant
			work    = make(chan int)
			wg      sync.WaitGroup
			failure []string
		)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					f := faults[i]
					rc := receivers[(i+shift)%2]
					body := amWebhook("{}:{service=\""+f.service+"\"}",
						amAlert(status, f.start, "alertname", "ServiceDown", "service", f.service, "severity", "critical"))
					code, raw, err := postRetrying(newClient(rc.URL, f.token), "/api/v1/alerts/alertmanager", body, &retries)
					var out struct {
						Incidents []string `json:"incidents"`
					}
					if err == nil && code == http.StatusOK {
						err = json.Unmarshal(raw, &out)
					}
					mu.Lock()
					if err != nil || code != http.StatusOK {
						failure = append(failure, fmt.Sprintf("%s %s via %s: %d %v %s", status, f.service, rc.URL, code, err, raw))
					}
					for _, id := range out.Incidents {
						opened[id] = f.tenant
					}
					mu.Unlock()
				}
			}()
		}
		for i := range faults {
			work <- i
		}
		close(work)
		wg.Wait()
		for _, f := range failure {
			t.Error(f)
		}
		if len(failure) > 0 {
			t.FailNow()
		}
		return opened
	}

	began := time.Now()
	opened := send("firing", 0)
	t.Logf("%d firing webhooks answered after %s", len(faults), time.Since(began).Round(time.Millisecond))
	if len(opened) != len(faults) {
		t.Fatalf("%d webhooks answered with %d distinct incidents, want one each", len(faults), len(opened))
	}
	// Resolve every alert through the other receiver than the one that opened it.
	began = time.Now()
	send("resolved", 1)
	t.Logf("%d resolving webhooks answered after %s", len(faults), time.Since(began).Round(time.Millisecond))

	want := map[string][]string{}
	for id, tenant := range opened {
		want[tenant] = append(want[tenant], id)
	}
	for _, list := range want {
		sort.Strings(list)
	}
	clients := func(rc *testReceiver) map[string]apiClient {
		return map[string]apiClient{"a": newClient(rc.URL, tokenA), "b": newClient(rc.URL, tokenB)}
	}
	eventually(t, 60*time.Second, "every incident resolved and every notification delivered", func() (bool, string) {
		for _, rc := range receivers {
			for tenant, c := range clients(rc) {
				incs, err := c.incidents()
				if err != nil {
					return false, err.Error()
				}
				active := 0
				for _, in := range incs {
					if in.State != incident.Closed {
						active++
					}
				}
				if active > 0 || len(incs) != len(want[tenant]) {
					return false, fmt.Sprintf("receiver %s tenant %s: %d incidents, %d not resolved", rc.URL, tenant, len(incs), active)
				}
			}
		}
		n, err := receivers[0].Store().PendingOutbox(t.Context())
		if err != nil || n > 0 {
			return false, fmt.Sprintf("%d notifications pending (%v); %d delivered", n, err, len(targets.deliveries()))
		}
		return true, ""
	})

	// Both receivers list the same incidents, in the same state, for each tenant: each
	// sees what the other wrote.
	for tenant, list := range want {
		var views [][]incident.Incident
		for _, rc := range receivers {
			incs, err := clients(rc)[tenant].incidents()
			if err != nil {
				t.Fatal(err)
			}
			views = append(views, incs)
			if got := ids(incs); !equalStrings(got, list) {
				t.Errorf("receiver %s tenant %s lists %d incidents, want the %d its webhooks opened", rc.URL, tenant, len(got), len(list))
			}
		}
		if !equalStrings(ids(views[0]), ids(views[1])) {
			t.Errorf("tenant %s: the receivers disagree:\nr1:\n%sr2:\n%s", tenant, describe(views[0]), describe(views[1]))
		}
		for i := range views[0] {
			a, b := views[0][i], views[1][i]
			if a.State != b.State || a.Revision != b.Revision || a.AlertCount != b.AlertCount {
				t.Errorf("tenant %s incident %s: r1 sees %s rev %d, r2 %s rev %d", tenant, a.ID, a.State, a.Revision, b.State, b.Revision)
			}
		}
	}

	got := targets.deliveries()
	var all []string
	for _, list := range want {
		all = append(all, list...)
	}
	checkExactlyOnce(t, got, all, map[string]int{"opened": 1, "resolved": 1})
	checkOrder(t, got)
	if len(got) != 2*len(all) {
		t.Errorf("%d notifications delivered, want %d (opened and resolved for %d incidents)", len(got), 2*len(all), len(all))
	}
	for _, d := range got {
		if want := opened[d.Body.Incident.ID]; d.Body.Tenant != want {
			t.Errorf("notification %s carries tenant %q, want %q", d.Key, d.Body.Tenant, want)
		}
	}
	if bad := targets.malformed(); len(bad) > 0 {
		t.Errorf("malformed notifications: %v", bad)
	}
	via := map[string]int{}
	for _, d := range got {
		via[d.Via]++
	}
	t.Logf("notifications delivered per receiver: %v; webhooks retried after a 503: %d", via, retries.Load())
}

// postRetrying posts like Alertmanager: a 503 means nothing was stored, so it waits a
// little and sends the same body again, counting the retries.
func postRetrying(c apiClient, path string, body []byte, retries *atomic.Int64) (int, []byte, error) {
	for attempt := 1; ; attempt++ {
		code, raw, err := c.post(path, body)
		if err != nil || code != http.StatusServiceUnavailable || attempt == 30 {
			return code, raw, err
		}
		retries.Add(1)
		time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
	}
}
