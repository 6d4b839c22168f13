package groupeval

import (
	"fmt"
	"maps"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// tickEvery is how often the replay calls Engine.Tick between notifications, as the
// receiver's background loop would.
const tickEvery = time.Minute

// Prediction is where the engine put each occurrence.
type Prediction struct {
	Cluster    []string              // per occurrence: its incident after merges ("" if never placed)
	Reason     []incident.ReasonKind // per occurrence: the rule that placed it
	Unassigned int                   // occurrences the engine reported no member for
	Deliveries int                   // engine.Ingest calls
}

// Replay feeds the stream to a fresh engine and reads each occurrence's incident from the
// Changes: an occurrence belongs to the incident of the first firing member the engine
// reports for its fingerprint once it has been delivered (the join decision), followed
// through any later merges.
func Replay(s *Stream, cfg incident.Config, topo incident.Topology) Prediction {
	n := 0
	eng := incident.NewEngine(cfg, topo, func() string { n++; return fmt.Sprintf("inc-%d", n) })
	p := Prediction{Cluster: make([]string, len(s.Occurrences)), Reason: make([]incident.ReasonKind, len(s.Occurrences))}
	current := map[string]int{}       // fingerprint → the occurrence delivered last
	mergedInto := map[string]string{} // incident → the incident it was merged into
	var lastTick time.Time
	for _, ntf := range s.Notifications {
		for t := lastTick.Add(tickEvery); !lastTick.IsZero() && t.Before(ntf.At); t = t.Add(tickEvery) {
			p.record(eng.Tick(t), current, mergedInto)
		}
		lastTick = ntf.At
		p.record(eng.Tick(ntf.At), current, mergedInto)
		alerts := make([]incident.Alert, len(ntf.Alerts))
		for i, sa := range ntf.Alerts {
			alerts[i] = toAlert(s.Occurrences[sa.Occurrence], sa.Resolved)
			if !sa.Resolved {
				current[alerts[i].Fingerprint] = sa.Occurrence
			}
		}
		p.Deliveries++
		p.record(eng.Ingest(alerts, ntf.GroupKey, ntf.At), current, mergedInto)
	}
	for i, c := range p.Cluster {
		if c == "" {
			p.Unassigned++
			p.Cluster[i] = fmt.Sprintf("unassigned %d", i)
			continue
		}
		p.Cluster[i] = follow(c, mergedInto)
	}
	return p
}

// record notes the first placement of each delivered occurrence and every merge.
func (p *Prediction) record(ch incident.Changes, current map[string]int, mergedInto map[string]string) {
	for _, m := range ch.Members {
		occ, ok := current[m.Fingerprint]
		if !ok || m.Status != incident.Firing || p.Cluster[occ] != "" {
			continue
		}
		p.Cluster[occ] = m.IncidentID
		p.Reason[occ] = m.Reason.Kind
	}
	for _, inc := range ch.Incidents {
		if inc.State == incident.Merged && inc.MergedInto != "" {
			mergedInto[inc.ID] = inc.MergedInto
		}
	}
}

// follow resolves a chain of merges to the surviving incident.
func follow(id string, mergedInto map[string]string) string {
	for range len(mergedInto) + 1 {
		next, ok := mergedInto[id]
		if !ok || next == id {
			return id
		}
		id = next
	}
	return id // a cycle: cannot happen with a sane engine; keep the last id
}

// toAlert is the occurrence as the webhook decoder hands it to the engine.
func toAlert(o Occurrence, resolved bool) incident.Alert {
	a := incident.Alert{
		Fingerprint: o.Fingerprint,
		Status:      incident.Firing,
		Labels:      maps.Clone(o.Labels), // the engine keeps what it is given
		StartsAt:    o.Start,
		Source:      "alertmanager",
	}
	if resolved {
		a.Status, a.EndsAt = incident.Resolved, o.End
	}
	return a
}
