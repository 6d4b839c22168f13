package rca

import "strings"

// Family is the kind of symptom a signal measures, after the RED and USE methods: an
// incident's alerts say which symptoms hurt, and evidence of the same family on a
// dependency is more telling than evidence of another (a latency alert is explained by a
// slower database, less by a database that also serves more requests).
type Family string

const (
	FamilyLatency    Family = "latency"
	FamilyErrors     Family = "errors"
	FamilyTraffic    Family = "traffic"
	FamilySaturation Family = "saturation"
	FamilyOther      Family = ""
)

// familyWords are matched against a lower-cased signal or alert name, in order: the first
// family with a matching word wins ("error_latency" is about latency).
var familyWords = []struct {
	family Family
	words  []string
}{
	{FamilyLatency, []string{"latency", "duration", "slow", "response_time", "responsetime", "p99", "p95", "p90", "delay", "timeout"}},
	{FamilyErrors, []string{"error", "availability", "5xx", "http5", "fail", "exception", "unavailable", "status", "success"}},
	{FamilySaturation, []string{"cpu", "memory", "mem_", "disk", "io", "saturation", "oom", "throttl", "fd", "gc", "heap", "load"}},
	{FamilyTraffic, []string{"request", "traffic", "throughput", "rps", "qps", "rate", "calls"}},
}

// FamilyOf classifies a signal or alert name.
func FamilyOf(name string) Family {
	n := strings.ToLower(name)
	for _, fw := range familyWords {
		for _, w := range fw.words {
			if strings.Contains(n, w) {
				return fw.family
			}
		}
	}
	return FamilyOther
}

// otherFamily is the weight of measured evidence whose family no alert of the incident
// shows; evidence when the alerts show no known family at all counts fully.
const otherFamily = 0.5

// alerted is, per entity, the families its own alerts show ("" for alerts that name no
// entity).
type alerted map[string]map[Family]bool

func alertedFamilies(in Incident) alerted {
	out := alerted{}
	for _, a := range in.Alerts {
		if f := FamilyOf(a.Name); f != FamilyOther {
			if out[a.Entity] == nil {
				out[a.Entity] = map[Family]bool{}
			}
			out[a.Entity][f] = true
		}
	}
	return out
}

// symptoms are the families the incident's alerts show, whatever they are about.
func (al alerted) symptoms() map[Family]bool {
	out := map[Family]bool{}
	for _, fs := range al {
		for f := range fs {
			out[f] = true
		}
	}
	return out
}

// relevance weighs measured evidence by whether its family is one of the symptoms. A
// measurement of the very symptom an alert on the same entity reports (the front end's
// availability under its availability SLO alert) restates the alert: the alert already
// counts, and counting its metric again would make every alerting front end its own cause.
func relevance(e Evidence, sym map[Family]bool, al alerted) float64 {
	if e.Kind != KindMetric && e.Kind != KindTraces {
		return 1
	}
	f := FamilyOf(e.Signal)
	switch {
	case e.Entity != "" && al[e.Entity][f]:
		return 0
	case len(sym) == 0 || sym[f]:
		return 1
	}
	return otherFamily
}
