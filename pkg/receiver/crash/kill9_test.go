package crash

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/store"
)

const (
	tenant           = "crash"
	webhooks         = 1000
	alertsPerWebhook = 10
	services         = 400 // one incident each: hundreds of "opened" notifications
	senders          = 16
	killAfterAcked   = 300
)

// outcome is what a sender learnt about one webhook.
type outcome int

const (
	notSent outcome = iota // the receiver was dead before it was sent
	acked                  // answered 200: the receiver promised it is stored
	unacked                // sent, but no 200 came (killed in flight, or refused)
)

// fingerprint names alert j of webhook i; every alert of the burst is distinct.
func fingerprint(i, j int) string { return fmt.Sprintf("%08x%08x", i, j) }

// webhookBody is webhook i: one service's Alertmanager group of alertsPerWebhook alerts.
func webhookBody(i int, startsAt time.Time) []byte {
	svc := fmt.Sprintf("svc-%03d", i%services)
	type alert struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		EndsAt      time.Time         `json:"endsAt"`
		Fingerprint string            `json:"fingerprint"`
	}
	body := map[string]any{"version": "4", "status": "firing", "receiver": "foresight",
		"groupKey": `{}:{service="` + svc + `"}`, "groupLabels": map[string]string{"service": svc},
		"commonLabels": map[string]string{"service": svc}, "commonAnnotations": map[string]string{},
		"externalURL": "http://alertmanager:9093", "truncatedAlerts": 0}
	var alerts []alert
	for j := range alertsPerWebhook {
		alerts = append(alerts, alert{Status: "firing",
			Labels: map[string]string{"alertname": fmt.Sprintf("Alert%d", j), "service": svc,
				"severity": "critical", "instance": fmt.Sprintf("host-%d-%d", i, j)},
			Annotations: map[string]string{}, StartsAt: startsAt, Fingerprint: fingerprint(i, j)})
	}
	body["alerts"] = alerts
	raw, err := json.Marshal(body)
	if err != nil {
		panic(err) // only plain maps and strings: cannot fail
	}
	return raw
}

// post sends one webhook and reports its HTTP status, 0 when no response came.
func post(client *http.Client, base, token string, body []byte) int {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/alerts/alertmanager", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// burst sends all webhooks from concurrent senders and calls kill once, right after the
// killAfterAcked-th 200; from then on nothing new is sent.
func burst(base, token string, bodies [][]byte, kill func()) []outcome {
	outcomes := make([]outcome, len(bodies))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	var next, ackCount atomic.Int64
	var killed atomic.Bool
	var once sync.Once
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) || killed.Load() {
					return
				}
				if post(client, base, token, bodies[i]) != http.StatusOK {
					outcomes[i] = unacked
					continue
				}
				outcomes[i] = acked
				if ackCount.Add(1) == killAfterAcked {
					once.Do(func() { killed.Store(true); kill() })
				}
			}
		})
	}
	wg.Wait()
	return outcomes
}

func TestKill9DuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills a receiver mid-burst (about 30s)")
	}
	ctx := context.Background()
	hk := newHook(t, 20*time.Millisecond)
	setup := receiverSetup{bin: buildForesight(t), dir: t.TempDir(), token: "crash-test-token-0123456789",
		port: freePort(t), hookURL: hk.URL}
	setup.writeConfig(t)

	first := setup.start(t)
	startsAt := time.Now().UTC().Truncate(time.Second)
	bodies := make([][]byte, webhooks)
	for i := range bodies {
		bodies[i] = webhookBody(i, startsAt)
	}
	outcomes := burst(first.base, setup.token, bodies, first.kill)
	first.waitExit(t)
	if n := count(outcomes, acked); n < killAfterAcked {
		t.Fatalf("only %d webhooks acknowledged before the kill; want %d:\n%s", n, killAfterAcked, first.out)
	}
	beforeKill := len(hk.snapshot())
	t.Logf("burst: %d acknowledged, %d sent without answer, %d not sent; %d notifications delivered before the kill",
		count(outcomes, acked), count(outcomes, unacked), count(outcomes, notSent), beforeKill)

	hk.setEpoch(2)
	second := setup.start(t)
	st, err := store.Open(ctx, store.Config{Path: setup.storePath()})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	waitDelivered(ctx, t, st, hk)

	// Alertmanager resends what it is not sure about; the acknowledged webhooks again
	// must change nothing.
	db := openReadOnly(t, setup.storePath())
	before := takeState(t, db, hk)
	client := &http.Client{Timeout: 10 * time.Second}
	for i, o := range outcomes {
		if o != acked {
			continue
		}
		if code := post(client, second.base, setup.token, bodies[i]); code != http.StatusOK {
			t.Fatalf("resend of webhook %d: status %d", i, code)
		}
	}
	waitDelivered(ctx, t, st, hk)
	time.Sleep(500 * time.Millisecond) // a few poll intervals, for any stray notification
	second.stop(t)
	after := takeState(t, db, hk)
	before.compare(t, after)

	checkAlerts(t, db, outcomes)
	checkDeliveries(t, db, hk.snapshot())
}

// waitDelivered waits until no notification is pending and the hook has seen as many
// distinct keys as the outbox holds.
func waitDelivered(ctx context.Context, t *testing.T, st *store.Store, hk *hook) {
	t.Helper()
	eventually(ctx, t, 30*time.Second, "all notifications delivered", func() (bool, string) {
		pending, err := st.PendingOutbox(ctx)
		if err != nil {
			return false, err.Error()
		}
		return pending == 0, fmt.Sprintf("%d pending, %d deliveries", pending, len(hk.snapshot()))
	})
}

func count(outcomes []outcome, want outcome) int {
	n := 0
	for _, o := range outcomes {
		if o == want {
			n++
		}
	}
	return n
}

// openReadOnly opens the receiver's SQLite file for the checks that the store's API does
// not offer (per-fingerprint membership, outbox keys). Reading the tables directly ties
// the test to the schema, which is the point: it checks what is on disk.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// state is what must not change when acknowledged webhooks are resent.
type state struct {
	members    map[string]string // fingerprint → incident
	incidents  int
	outbox     int
	deliveries int
}

func takeState(t *testing.T, db *sql.DB, hk *hook) state {
	t.Helper()
	s := state{members: map[string]string{}, deliveries: len(hk.snapshot())}
	rows, err := db.Query("SELECT fingerprint, incident_id FROM members WHERE tenant = ?", tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var fp, id string
		if err := rows.Scan(&fp, &id); err != nil {
			t.Fatal(err)
		}
		if prev, dup := s.members[fp]; dup {
			t.Errorf("alert %s is a member of incidents %s and %s", fp, prev, id)
		}
		s.members[fp] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	s.incidents = queryInt(t, db, "SELECT COUNT(*) FROM incidents WHERE tenant = ?", tenant)
	s.outbox = queryInt(t, db, "SELECT COUNT(*) FROM outbox WHERE tenant = ?", tenant)
	return s
}

func (s state) compare(t *testing.T, after state) {
	t.Helper()
	if len(after.members) != len(s.members) || after.incidents != s.incidents || after.outbox != s.outbox ||
		after.deliveries != s.deliveries {
		t.Errorf("resending acknowledged webhooks changed the store: members %d→%d, incidents %d→%d, outbox %d→%d, deliveries %d→%d",
			len(s.members), len(after.members), s.incidents, after.incidents, s.outbox, after.outbox, s.deliveries, after.deliveries)
	}
	moved := 0
	for fp, id := range s.members {
		if after.members[fp] != id {
			moved++
		}
	}
	if moved > 0 {
		t.Errorf("resending moved %d alerts to other incidents", moved)
	}
	t.Logf("after restart: %d alerts in %d incidents, %d notifications queued", len(s.members), s.incidents, s.outbox)
}

func queryInt(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkAlerts checks that every acknowledged webhook is stored wholly, that the others
// are stored wholly or not at all, and that nothing is stored that was never sent.
func checkAlerts(t *testing.T, db *sql.DB, outcomes []outcome) {
	t.Helper()
	stored := map[string]bool{}
	rows, err := db.Query("SELECT fingerprint FROM members WHERE tenant = ?", tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			t.Fatal(err)
		}
		stored[fp] = true
	}
	var storedUnacked, partial, lost int
	for i, o := range outcomes {
		n := 0
		for j := range alertsPerWebhook {
			if stored[fingerprint(i, j)] {
				n++
			}
		}
		switch {
		case o == acked && n != alertsPerWebhook:
			lost++
			t.Errorf("webhook %d was acknowledged but %d of its %d alerts are stored", i, n, alertsPerWebhook)
		case n != 0 && n != alertsPerWebhook:
			partial++
			t.Errorf("webhook %d (outcome %d) is stored in part: %d of %d alerts", i, o, n, alertsPerWebhook)
		case o == notSent && n != 0:
			t.Errorf("webhook %d was never sent but its alerts are stored", i)
		case o == unacked && n == alertsPerWebhook:
			storedUnacked++
		}
	}
	t.Logf("alerts: %d stored; %d acknowledged webhooks lost, %d stored in part, %d unacknowledged ones stored (committed, killed before the answer)",
		len(stored), lost, partial, storedUnacked)
}

// checkDeliveries checks exactly-once delivery per Idempotency-Key. A key delivered by
// the first process and again by the second is the documented at-least-once window (sent,
// then killed before "done" was committed): it is counted and reported, not failed, since
// the key lets the target drop the repeat. Any other repeat is a bug.
func checkDeliveries(t *testing.T, db *sql.DB, deliveries []delivery) {
	t.Helper()
	keys := map[string]bool{}
	rows, err := db.Query("SELECT dedup_key, state FROM outbox WHERE tenant = ?", tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, st string
		if err := rows.Scan(&key, &st); err != nil {
			t.Fatal(err)
		}
		keys[key] = true
		if st != "done" {
			t.Errorf("notification %s is %s, want done", key, st)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]int{}
	for _, d := range deliveries {
		byKey[d.key] = append(byKey[d.key], d.epoch)
	}
	var window, duplicates int
	for key, epochs := range byKey {
		if !keys[key] {
			t.Errorf("delivered %q, which is not in the outbox", key)
		}
		switch {
		case len(epochs) == 1:
		case len(epochs) == 2 && epochs[0] == 1 && epochs[1] == 2:
			window++
		default:
			duplicates++
			t.Errorf("notification %s delivered %d times by processes %v", key, len(epochs), epochs)
		}
	}
	for key := range keys {
		if len(byKey[key]) == 0 {
			t.Errorf("notification %s was never delivered", key)
		}
	}
	if len(keys) == 0 {
		t.Error("no notification was queued: the test did not exercise delivery")
	}
	t.Logf("notifications: %d in the outbox, %d deliveries; %d redelivered after the restart (at-least-once window), %d duplicated otherwise",
		len(keys), len(deliveries), window, duplicates)
}
