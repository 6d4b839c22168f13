package rca

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Edge alerts name a call rather than a component: the client and server labels of
// Tempo's service-graph metrics (traces_service_graph_request_failed_total by client,
// server) that alert rules on calls keep.
const (
	clientLabel = "client"
	serverLabel = "server"
)

// originSignal is the signal of error-origin evidence.
const originSignal = "error origin"

// derived says whether e is a conclusion drawn from this incident's other evidence (where
// it sits in the call graph, where its errors start) rather than an observation: how
// often such conclusions were drawn before says nothing about this one.
func derived(e Evidence) bool { return e.Kind == KindTopology || e.Signal == originSignal }

// originSaturation is the number of distinct failing callers at which error-origin
// evidence reaches 63 % of full strength.
const originSaturation = 1.5

// originStrength is the strength of error-origin evidence at full saturation: that of a
// critical alert, as it is read from alerts.
const originStrength = 0.7

// errorOrigins reads the failing calls among the alerts as a chain. An error propagates
// up the call path verbatim (the database's 500 becomes its caller's 500, then the front
// end's), so the origin is the server whose incoming calls fail while its own outgoing
// calls do not; the more callers see it fail, the stronger the evidence. Only error
// alerts are read this way: slow calls also slow their callers, but latency alerts on a
// shared leaf fire under any change of load, so their chain ends at the leaf whatever
// the cause (measured on MicroSS: reading them too did not help).
func errorOrigins(alerts []Alert) []Evidence {
	callers := map[string][]string{} // server -> distinct failing clients
	failsOut := map[string]bool{}
	onset := map[string]time.Time{}
	for _, a := range alerts {
		client, server := a.Labels[clientLabel], a.Labels[serverLabel]
		if client == "" || server == "" || client == server || FamilyOf(a.Name) != FamilyErrors {
			continue
		}
		failsOut[client] = true
		if !slices.Contains(callers[server], client) {
			callers[server] = append(callers[server], client)
		}
		if t, ok := onset[server]; !ok || a.At.Before(t) {
			onset[server] = a.At
		}
	}
	var out []Evidence
	for server, cs := range callers {
		if failsOut[server] {
			continue // it passes on errors from further down
		}
		slices.Sort(cs)
		out = append(out, Evidence{Kind: KindAlert, Entity: server, Signal: originSignal,
			Strength: originStrength * (1 - math.Exp(-float64(len(cs))/originSaturation)), Onset: onset[server],
			Detail: fmt.Sprintf("calls to it fail (from %s) while its own calls do not: the errors start here", strings.Join(cs, ", "))})
	}
	slices.SortFunc(out, func(a, b Evidence) int { return strings.Compare(a.Entity, b.Entity) })
	return out
}
