package rca

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestAlertFamily(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"docker_cpu_core_12_pct_high", "docker_cpu_core_#_pct_high"},
		{"HTTP503", "HTTP#"},
		{"p99LatencyHigh", "p#LatencyHigh"},
		{"KubePodCrashLooping", "KubePodCrashLooping"},
		{"", ""},
	} {
		if got := AlertFamily(tc.in); got != tc.want {
			t.Errorf("AlertFamily(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// incidentWith is incident id of tenant "t" with one alert per "entity/alert" pair.
func incidentWith(id string, pairs ...string) Incident {
	in := Incident{ID: id, Tenant: "t"}
	for _, p := range pairs {
		e, name, _ := strings.Cut(p, "/")
		in.Alerts = append(in.Alerts, Alert{Entity: e, Name: name, Labels: map[string]string{"alertname": name, "service": e}})
	}
	return in
}

// change is metric evidence that entity's signal moved by delta.
func change(entity, signal string, delta float64) Evidence {
	return Evidence{Kind: KindMetric, Entity: entity, Signal: signal, Strength: 1, Delta: delta}
}

// observePast records n incidents, all with the cache's chronic CPU alert (and one of its
// numbered core alerts) and a rise of its latency; the first of them also with a log alert
// on api, the first half with db errors, every tenth with web errors.
func observePast(h *History, n int) {
	for i := range n {
		pairs := []string{"cache/CPUHigh", fmt.Sprintf("cache/Core%dHigh", i%4)}
		if i == 0 {
			pairs = append(pairs, "api/ErrorLogs")
		}
		in := incidentWith(fmt.Sprint("past-", i), pairs...)
		ev := append(AlertEvidence(in.Alerts), change("cache", "latency", 0.2))
		if i < n/2 {
			ev = append(ev, change("db", "errors", 5))
		}
		if i%10 == 0 {
			ev = append(ev, change("web", "errors", 5)) // in a tenth of them
		}
		h.Observe(in, ev)
	}
}

func TestHistoryWeigh(t *testing.T) {
	alert := func(p string) Evidence {
		in := incidentWith("", p)
		return AlertEvidence(in.Alerts)[0]
	}
	half := math.Log(20.0/40) / math.Log(common) // seen in 20 of 40
	for _, tc := range []struct {
		name   string
		past   int
		window int
		id     string
		tenant string
		ev     Evidence
		want   float64 // the weight, strength after / before
	}{
		{"too little history: everything counts", minHistory - 1, 100, "now", "t", alert("cache/CPUHigh"), 1},
		{"an alert in every past incident counts nothing", 40, 100, "now", "t", alert("cache/CPUHigh"), 0},
		{"numbered alerts are one family", 40, 100, "now", "t", alert("cache/Core7High"), 0},
		{"evidence never seen counts fully", 40, 100, "now", "t", alert("db/DiskFull"), 1},
		{"the same alert on another entity is another observation", 40, 100, "now", "t", alert("db/CPUHigh"), 1},
		{"evidence seen rarely counts fully", 40, 100, "now", "t", alert("api/ErrorLogs"), 1},
		{"evidence seen in exactly the common share counts fully", 40, 100, "now", "t", change("web", "errors", 1), 1},
		{"evidence seen in half the incidents counts less", 40, 100, "now", "t", change("db", "errors", 3), half},
		{"a change every incident showed counts nothing", 40, 100, "now", "t", change("cache", "latency", 0.5), 0},
		{"the opposite change is another observation", 40, 100, "now", "t", change("cache", "latency", -0.5), 1},
		{"derived evidence is left alone", 40, 100, "now", "t", Evidence{Kind: KindTopology, Entity: "cache", Signal: "callers", Strength: 1}, 1},
		{"the window forgets the oldest", 40, 15, "now", "t", change("db", "errors", 3), 1},
		// past-0 had db errors: 19 of the 39 others did.
		{"the analysed incident does not count itself", 40, 100, "past-0", "t", change("db", "errors", 3), math.Log(19.0/39) / math.Log(common)},
		{"other tenants' incidents do not count", 40, 100, "now", "u", alert("cache/CPUHigh"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHistory(tc.window)
			observePast(h, tc.past)
			in := Incident{ID: tc.id, Tenant: tc.tenant}
			got := h.Weigh(in, []Evidence{tc.ev})[0].Strength / tc.ev.Strength
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("weight %.3f, want %.3f", got, tc.want)
			}
			if tc.past >= minHistory {
				// The chronic alert says how many incidents the window holds.
				n := min(tc.past, tc.window)
				if in.ID != "now" && tc.tenant == "t" {
					n--
				}
				chronic := h.Weigh(in, []Evidence{alert("cache/CPUHigh")})[0].Detail
				if want := fmt.Sprintf("seen in %d of the last %d incidents", n, n); tc.tenant == "t" && !strings.Contains(chronic, want) {
					t.Errorf("chronic alert %q, want %q", chronic, want)
				}
			}
		})
	}
}

// TestHistoryObserveReplaces checks that re-analysing an incident as alerts join
// replaces what it contributed instead of counting it twice, and that weak evidence is
// not counted as seen.
func TestHistoryObserveReplaces(t *testing.T) {
	h := NewHistory(100)
	for i := range 2 * minHistory {
		in := incidentWith(fmt.Sprint("past-", i), "web/Slow")
		h.Observe(in, append(AlertEvidence(in.Alerts), Evidence{Kind: KindMetric, Entity: "db", Signal: "noise", Strength: present / 2}))
	}
	busy := incidentWith("busy", "db/DiskFull")
	for range 5 {
		h.Observe(busy, AlertEvidence(busy.Alerts)) // refreshed five times
	}
	busy = incidentWith("busy", "db/DiskFull", "db/ConnRefused")
	h.Observe(busy, AlertEvidence(busy.Alerts))

	ev := []Evidence{AlertEvidence(incidentWith("", "db/DiskFull").Alerts)[0], {Kind: KindMetric, Entity: "db", Signal: "noise", Strength: 1}}
	got := h.Weigh(Incident{ID: "now", Tenant: "t"}, ev)
	if got[0].Strength != ev[0].Strength {
		t.Errorf("DiskFull, in 1 of %d incidents, weighs %.3f of %.3f: counted more than once", 2*minHistory+1, got[0].Strength, ev[0].Strength)
	}
	if got[1].Strength != 1 {
		t.Errorf("evidence that was only ever weak weighs %.3f, want 1", got[1].Strength)
	}
}

func TestHistoryForget(t *testing.T) {
	h := NewHistory(100)
	observePast(h, 30)
	h.Forget("t", "past-3")
	h.Forget("t", "never-seen")
	h.Forget("u", "past-4")
	got := h.Weigh(Incident{ID: "now", Tenant: "t"}, AlertEvidence(incidentWith("", "cache/CPUHigh").Alerts))[0].Detail
	if want := "seen in 29 of the last 29 incidents"; !strings.Contains(got, want) {
		t.Errorf("after forgetting one of 30: %q, want %q", got, want)
	}
}

// TestRankWeighsChronicAlertsDown: cache alerts in every incident; this one adds a rare
// alert on db. Without history the cache's three alerts outweigh db's one; with it, db leads.
func TestRankWeighsChronicAlertsDown(t *testing.T) {
	chronic := []string{"cache/CPUHigh", "cache/MemHigh", "cache/ConnsHigh"}
	h := NewHistory(100)
	for i := range 30 {
		in := incidentWith(fmt.Sprint("past-", i), chronic...)
		h.Observe(in, AlertEvidence(in.Alerts))
	}
	in := incidentWith("now", append(chronic, "db/DiskFull")...)
	cands := []string{"cache", "db"}
	for _, tc := range []struct {
		name string
		h    *History
		want string
	}{
		{"without history", nil, "cache"},
		{"with history", h, "db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Rank(in, cands, tc.h.Weigh(in, AlertEvidence(in.Alerts)), nil, nil, 2)
			if top, _ := res.Top(); top.Entity != tc.want {
				t.Errorf("top %q, want %q: %+v", top.Entity, tc.want, res.Hypotheses)
			}
		})
	}
}

func TestErrorOrigins(t *testing.T) {
	at := time.Unix(1000, 0)
	edge := func(name, client, server string, sec int) Alert {
		return Alert{Entity: server, Name: name, At: at.Add(time.Duration(sec) * time.Second),
			Labels: map[string]string{"alertname": name, "client": client, "server": server}}
	}
	for _, tc := range []struct {
		name   string
		alerts []Alert
		want   map[string]int // origin -> failing callers
	}{
		{"a chain ends where errors start", []Alert{
			edge("HTTP500", "web", "login", 1), edge("HTTP500", "login", "db", 0), edge("HTTP500", "api", "db", 2),
		}, map[string]int{"db": 2}},
		{"two independent origins", []Alert{
			edge("HTTP500", "web", "login", 1), edge("RequestErrors", "web", "cart", 1),
		}, map[string]int{"login": 1, "cart": 1}},
		{"latency alerts are not read as a chain", []Alert{
			edge("HighLatency", "web", "cache", 0), edge("HighLatency", "login", "cache", 0),
		}, map[string]int{}},
		{"alerts without both ends are ignored", []Alert{
			{Entity: "db", Name: "HTTP500", Labels: map[string]string{"server": "db"}},
		}, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := errorOrigins(tc.alerts)
			if len(got) != len(tc.want) {
				t.Fatalf("origins %+v, want %v", got, tc.want)
			}
			for _, e := range got {
				n, ok := tc.want[e.Entity]
				wantStrength := originStrength * (1 - math.Exp(-float64(n)/originSaturation))
				if !ok || math.Abs(e.Strength-wantStrength) > 1e-9 {
					t.Errorf("origin %s strength %.3f, want %v callers (%.3f)", e.Entity, e.Strength, tc.want, wantStrength)
				}
			}
		})
	}
	// The origin's onset is its earliest failing call.
	if got := errorOrigins([]Alert{edge("HTTP500", "web", "db", 5), edge("HTTP500", "api", "db", 2)}); len(got) != 1 || !got[0].Onset.Equal(at.Add(2*time.Second)) {
		t.Errorf("onset: %+v", got)
	}
}
