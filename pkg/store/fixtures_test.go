package store

import (
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// t0 is a base time at millisecond precision in UTC, which is what the store keeps.
var t0 = time.UnixMilli(1_750_000_000_000).UTC()

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func newIncident(id string, state incident.State, started time.Time, services ...string) incident.Incident {
	in := incident.Incident{
		ID: id, State: state, Title: "incident " + id, Severity: "critical", Services: services,
		StartedAt: started, UpdatedAt: started.Add(time.Minute), AlertCount: 1, FiringCount: 1, Revision: 1,
	}
	if state == incident.Closed {
		in.ResolvedAt = started.Add(10 * time.Minute)
		in.FiringCount = 0
	}
	return in
}

func newMember(incidentID, fp string, labels map[string]string) incident.Member {
	return incident.Member{
		Alert: incident.Alert{
			Fingerprint: fp, Status: incident.Firing, Labels: labels, StartsAt: t0, Source: "grafana",
		},
		IncidentID: incidentID, FirstSeen: t0, LastSeen: t0,
		Reason: incident.Reason{Kind: incident.ReasonNew, Detail: "opened"},
	}
}

// batch is the benchmark's and several tests' unit of work: n new members spread
// across k new incidents, with an event each.
func batch(prefix string, n, k int, started time.Time) incident.Changes {
	var ch incident.Changes
	for i := range k {
		ch.Incidents = append(ch.Incidents, newIncident(fmt.Sprintf("%s-inc-%d", prefix, i), incident.Open, started, "svc"))
	}
	for i := range n {
		inc := ch.Incidents[i%k].ID
		m := newMember(inc, fmt.Sprintf("%s-fp-%d", prefix, i), map[string]string{
			"alertname": "HighLatency", "service": "svc", "instance": fmt.Sprintf("host-%d:9100", i),
			"severity": "critical", "job": "node",
		})
		m.Annotations = map[string]string{"summary": "latency above 500ms", "runbook_url": "https://runbooks/x"}
		m.Values = map[string]float64{"A": 512.5, "B": 1}
		ch.Members = append(ch.Members, m)
		ch.Events = append(ch.Events, incident.Event{IncidentID: inc, At: started, Kind: incident.EventAlertJoined, Fingerprint: m.Fingerprint, Detail: "joined"})
	}
	return ch
}
