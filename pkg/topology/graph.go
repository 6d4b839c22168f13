// Package topology is the service graph the incident engine consults: which services call
// which, and how many call edges apart two services are. A Graph comes from a file, from a
// system knowledge graph, or from the service-graph metrics Tempo (or the OpenTelemetry
// Collector's servicegraph connector) writes to Prometheus; Live keeps one fresh.
package topology

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MaxDepth is how many call edges Distance searches before it gives up. Alerts further
// apart than this are unrelated for grouping purposes, and the bound keeps a lookup cheap
// on large graphs.
const MaxDepth = 4

// maxAliasChain bounds alias resolution (web-1 → web-pod → web), so a cycle in a
// hand-written file is an error rather than a hang.
const maxAliasChain = 8

// Edge is one call relation: Client calls Server.
type Edge struct {
	Client string `json:"client" yaml:"client"`
	Server string `json:"server" yaml:"server"`
}

// Graph is an immutable service graph. Names are resolved through its aliases first, so
// an instance ("webservice1") or a pod name can be asked about as its service.
type Graph struct {
	edges   []Edge              // distinct, sorted, in canonical names
	down    map[string][]string // client → servers it calls, sorted
	adj     map[string][]string // undirected neighbours without self-loops, sorted
	aliases map[string]string   // any name → canonical service
}

// New builds a graph from call edges and aliases (alternative name → service). Edges may
// name aliases; they are stored under the canonical service. An empty name or an alias
// cycle is an error.
func New(edges []Edge, aliases map[string]string) (*Graph, error) {
	resolved, err := resolveAliases(aliases)
	if err != nil {
		return nil, err
	}
	g := &Graph{down: map[string][]string{}, adj: map[string][]string{}, aliases: resolved}
	seen := map[Edge]bool{}
	for i, e := range edges {
		if strings.TrimSpace(e.Client) == "" || strings.TrimSpace(e.Server) == "" {
			return nil, fmt.Errorf("edge %d (%q → %q): client and server must both be named", i+1, e.Client, e.Server)
		}
		e = Edge{Client: g.Canonical(e.Client), Server: g.Canonical(e.Server)}
		if seen[e] {
			continue
		}
		seen[e] = true
		g.edges = append(g.edges, e)
		g.down[e.Client] = append(g.down[e.Client], e.Server)
		if _, ok := g.adj[e.Server]; !ok {
			g.adj[e.Server] = nil // a leaf is still a known service
		}
		if e.Client != e.Server { // a self-call says nothing about distance
			g.adj[e.Client] = append(g.adj[e.Client], e.Server)
			g.adj[e.Server] = append(g.adj[e.Server], e.Client)
		} else if _, ok := g.adj[e.Client]; !ok {
			g.adj[e.Client] = nil
		}
	}
	for _, m := range []map[string][]string{g.down, g.adj} {
		for k, v := range m {
			slices.Sort(v)
			m[k] = slices.Compact(v)
		}
	}
	slices.SortFunc(g.edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Client, b.Client), cmp.Compare(a.Server, b.Server))
	})
	return g, nil
}

// resolveAliases flattens alias chains so each name maps straight to its service.
func resolveAliases(aliases map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(aliases))
	for from, to := range aliases {
		if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
			return nil, fmt.Errorf("alias %q → %q: both names must be given", from, to)
		}
		target := to
		for i := 0; ; i++ {
			next, ok := aliases[target]
			if !ok || next == target {
				break
			}
			if i == maxAliasChain || next == from {
				return nil, fmt.Errorf("alias %q → %q: the aliases form a cycle or a chain longer than %d", from, to, maxAliasChain)
			}
			target = next
		}
		if target != from {
			out[from] = target
		}
	}
	return out, nil
}

// Canonical returns the service a name stands for: its alias target, or the name itself.
func (g *Graph) Canonical(name string) string {
	if s, ok := g.aliases[name]; ok {
		return s
	}
	return name
}

// Has reports whether the graph knows the service (or an alias of it).
func (g *Graph) Has(name string) bool {
	_, ok := g.adj[g.Canonical(name)]
	return ok
}

// Distance is the number of call edges between a and b ignoring direction: 0 for the same
// service (or two aliases of it), -1 when either is unknown or they are more than MaxDepth
// edges apart. It implements incident.Topology.
func (g *Graph) Distance(a, b string) int {
	if g == nil {
		return -1
	}
	a, b = g.Canonical(a), g.Canonical(b)
	if !g.Has(a) || !g.Has(b) {
		return -1
	}
	if a == b {
		return 0
	}
	return search(g.adj, a, b)
}

// Reaches reports whether from calls to, directly or through other services, within
// MaxDepth call edges. A service does not reach itself.
func (g *Graph) Reaches(from, to string) bool {
	if g == nil {
		return false
	}
	from, to = g.Canonical(from), g.Canonical(to)
	return from != to && search(g.down, from, to) > 0
}

// search is the number of edges of next from a to b (a ≠ b), or -1 beyond MaxDepth. It is
// a breadth-first search bounded by MaxDepth: graphs are small and sparse, so this is
// cheaper than keeping an all-pairs table current across refreshes.
func search(next map[string][]string, a, b string) int {
	seen := map[string]bool{a: true}
	frontier := []string{a}
	for depth := 1; depth <= MaxDepth && len(frontier) > 0; depth++ {
		var ahead []string
		for _, s := range frontier {
			for _, n := range next[s] {
				if n == b {
					return depth
				}
				if !seen[n] {
					seen[n] = true
					ahead = append(ahead, n)
				}
			}
		}
		frontier = ahead
	}
	return -1
}

// Neighbours returns the services one call edge from s in either direction, sorted.
func (g *Graph) Neighbours(s string) []string {
	return slices.Clone(g.adj[g.Canonical(s)])
}

// Downstream returns the services s calls, sorted (s itself when it calls itself).
func (g *Graph) Downstream(s string) []string {
	return slices.Clone(g.down[g.Canonical(s)])
}

// Services returns every service in the graph, sorted.
func (g *Graph) Services() []string {
	out := make([]string, 0, len(g.adj))
	for s := range g.adj {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Edges returns the distinct call edges, sorted by client then server.
func (g *Graph) Edges() []Edge {
	return slices.Clone(g.edges)
}

// Aliases returns a copy of the alias map, each name resolved to its service.
func (g *Graph) Aliases() map[string]string {
	out := make(map[string]string, len(g.aliases))
	for k, v := range g.aliases {
		out[k] = v
	}
	return out
}
