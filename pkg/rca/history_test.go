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

func TestHistoryRarity(t *testing.T) {
	// past observes n incidents that all carry the chronic cache alert, the first of them
	// also a log alert on api.
	past := func(h *History, n int) {
		for i := range n {
			pairs := []string{"cache/CPUHigh"}
			if i == 0 {
				pairs = append(pairs, "api/ErrorLogs")
			}
			h.Observe(incidentWith(fmt.Sprint("past-", i), pairs...))
		}
	}
	for _, tc := range []struct {
		name    string
		past    int
		window  int
		in      Incident
		alert   string // entity/alert weighed
		want    float64
		between [2]float64 // when want < 0
	}{
		{"too little history: every alert counts", minHistory - 1, 100, incidentWith("now", "cache/CPUHigh"), "cache/CPUHigh", 1, [2]float64{}},
		{"an alert in every past incident counts nothing", 40, 100, incidentWith("now", "cache/CPUHigh"), "cache/CPUHigh", 0, [2]float64{}},
		{"numbered alerts are one family", 40, 100, incidentWith("now", "cache/CPUHigh"), "cache/CPU7High", 1, [2]float64{}},
		{"an alert never seen counts fully", 40, 100, incidentWith("now", "db/DiskFull"), "db/DiskFull", 1, [2]float64{}},
		{"the same alert on another entity is another alert", 40, 100, incidentWith("now", "db/CPUHigh"), "db/CPUHigh", 1, [2]float64{}},
		{"an alert seen once counts a little less", 40, 100, incidentWith("now", "api/ErrorLogs"), "api/ErrorLogs", -1, [2]float64{0.7, 0.9}},
		{"the window forgets the oldest", 40, 30, incidentWith("now", "api/ErrorLogs"), "api/ErrorLogs", 1, [2]float64{}},
		{"the analysed incident does not count itself", 40, 100, incidentWith("past-0", "api/ErrorLogs"), "api/ErrorLogs", 1, [2]float64{}},
		{"other tenants' incidents do not count", 40, 100, Incident{ID: "now", Tenant: "u", Alerts: incidentWith("", "cache/CPUHigh").Alerts}, "cache/CPUHigh", 1, [2]float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHistory(tc.window)
			past(h, tc.past)
			e, name, _ := strings.Cut(tc.alert, "/")
			got := h.Rarity(tc.in)(Alert{Entity: e, Name: name, Labels: map[string]string{"alertname": name, "service": e}})
			switch {
			case tc.want >= 0 && math.Abs(got-tc.want) > 1e-9:
				t.Errorf("rarity %.3f, want %.3f", got, tc.want)
			case tc.want < 0 && (got < tc.between[0] || got > tc.between[1]):
				t.Errorf("rarity %.3f, want within %v", got, tc.between)
			}
		})
	}
}

// TestHistoryObserveReplaces checks that re-analysing an incident as alerts join
// replaces what it contributed instead of counting it twice.
func TestHistoryObserveReplaces(t *testing.T) {
	h := NewHistory(100)
	for i := range minHistory {
		h.Observe(incidentWith(fmt.Sprint("past-", i), "web/Slow"))
	}
	for range 5 {
		h.Observe(incidentWith("busy", "db/DiskFull")) // refreshed five times
	}
	h.Observe(incidentWith("busy", "db/DiskFull", "db/ConnRefused"))
	got := h.Rarity(incidentWith("now", "db/DiskFull"))(Alert{Entity: "db", Name: "DiskFull"})
	want := math.Log(float64(minHistory+2)/2) / math.Log(float64(minHistory+2))
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("rarity %.4f after repeated observes, want %.4f (counted once)", got, want)
	}
}

// TestRankWeighsChronicAlertsDown: cache alerts in every incident; this one adds a rare
// alert on db. Without history the cache's three alerts outweigh db's one; with it, db leads.
func TestRankWeighsChronicAlertsDown(t *testing.T) {
	chronic := []string{"cache/CPUHigh", "cache/MemHigh", "cache/ConnsHigh"}
	h := NewHistory(100)
	for i := range 30 {
		h.Observe(incidentWith(fmt.Sprint("past-", i), chronic...))
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
			res := Rank(in, cands, AlertEvidence(in.Alerts, tc.h.Rarity(in)), nil, nil, 2)
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
