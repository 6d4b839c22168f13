package topology

import (
	"math"
	"strings"
	"unicode"
)

// minTokenLen is the shortest name fragment that counts as evidence of identity: shorter
// ones ("www", "api", "us", octets of an address) match too much by chance.
const minTokenLen = 4

// ResolveVirtual finds the instrumented service behind each virtual node: a peer that
// tracing sees only from the client side (Tempo's virtual_node connections, X-Ray's
// "remote" nodes), often the load balancer or DNS name in front of a service that is
// instrumented itself. Such a node's metrics are the callers' view of that service, and
// ranking the two as rival causes splits one piece of evidence in two.
//
// A virtual node resolves to the non-virtual service near it (one of its callers, or a
// service its callers also call) whose name contains a fragment of the node's host name,
// fragments weighted by how rarely they occur among service names; a tie, or no match,
// leaves the node as it is (an external API or a database is a peer in its own right).
// The result is an alias map for New.
func ResolveVirtual(edges []Edge, virtual func(string) bool) map[string]string {
	callers := map[string][]string{}
	callees := map[string][]string{}
	names := map[string]bool{}
	for _, e := range edges {
		callers[e.Server] = append(callers[e.Server], e.Client)
		callees[e.Client] = append(callees[e.Client], e.Server)
		names[e.Client], names[e.Server] = true, true
	}
	all := make([]string, 0, len(names))
	for n := range names {
		all = append(all, key(n))
	}
	out := map[string]string{}
	for n := range names {
		if !virtual(n) {
			continue
		}
		near := map[string]bool{}
		for _, c := range callers[n] {
			near[c] = true
			for _, s := range callees[c] {
				near[s] = true
			}
		}
		if target := bestMatch(n, near, all, virtual); target != "" {
			out[n] = target
		}
	}
	return out
}

// bestMatch scores the near, non-virtual services by the rarity-weighted fragments of
// node's host name their names contain, and returns the single best, or "" on a tie.
func bestMatch(node string, near map[string]bool, keys []string, virtual func(string) bool) string {
	score := map[string]float64{}
	for _, tok := range fragments(key(node)) {
		df := 0
		for _, k := range keys {
			if strings.Contains(k, tok) {
				df++
			}
		}
		w := math.Log(float64(len(keys)+1) / float64(df))
		for s := range near {
			if s != node && !virtual(s) && strings.Contains(key(s), tok) {
				score[s] += w
			}
		}
	}
	best, top, second := "", 0.0, 0.0
	for s, v := range score {
		switch {
		case v > top:
			best, top, second = s, v, top
		case v > second:
			second = v
		}
	}
	if top == second {
		return ""
	}
	return best
}

// key is the part of a name that names the thing: lower-cased, without a URL scheme, cut
// to its leftmost dot-separated label ("servi-searc" of
// "servi-searc.us-west-2.elb.amazonaws.com"): the rest of a host name is its domain, which
// peers share.
func key(name string) string {
	s := strings.ToLower(name)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	return s
}

// fragments splits a label into its alphanumeric runs of at least minTokenLen characters.
func fragments(label string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(f) >= minTokenLen {
			out = append(out, f)
		}
	}
	return out
}
