package topology

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
)

// knowledgeGraph is the system knowledge-graph format of the RCA benchmarks
// ({"nodes":[{id,type,attributes}],"edges":[{source,target,label}]}), whose vocabulary is
// the ISO/IEC/IEEE 24765-grounded entity-relationship specification.
type knowledgeGraph struct {
	Nodes []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"nodes"`
	Edges []struct {
		Source string `json:"source"`
		Target string `json:"target"`
		Label  string `json:"label"`
	} `json:"edges"`
}

// callLabels are the relations that are requests from source to target, as a trace would
// show them: service calls (control_flow), reads and writes of a database or cache
// (data_flow, which Tempo draws as an edge to a database node) and registration with a
// coordination service such as ZooKeeper (the service is its client).
var callLabels = map[string]bool{"control_flow": true, "data_flow": true, "registers_with": true}

// KG relations that do not become call edges:
//   - instance_of / has_instance make the instance an alias of its service, because alerts
//     name instances and grouping asks about services;
//   - hosted_on / hosts are placement, not calls: joining every instance to its host would
//     put unrelated services two hops apart through a shared machine;
//   - discovers is the reverse of registers_with.
const (
	labelInstanceOf  = "instance_of"
	labelHasInstance = "has_instance"
)

// FromKnowledgeGraph reads a system knowledge graph and keeps its call relations as edges
// and its instance relations as aliases.
func FromKnowledgeGraph(r io.Reader) (*Graph, error) {
	var kg knowledgeGraph
	if err := json.NewDecoder(r).Decode(&kg); err != nil {
		return nil, fmt.Errorf("decode knowledge graph: %w", err)
	}
	known := make(map[string]bool, len(kg.Nodes))
	for _, n := range kg.Nodes {
		known[n.ID] = true
	}
	var edges []Edge
	aliases := map[string]string{}
	for i, e := range kg.Edges {
		if !known[e.Source] || !known[e.Target] {
			return nil, fmt.Errorf("knowledge graph edge %d (%q -%s-> %q) names a node that is not declared", i+1, e.Source, e.Label, e.Target)
		}
		switch {
		case callLabels[e.Label]:
			edges = append(edges, Edge{Client: e.Source, Server: e.Target})
		case e.Label == labelInstanceOf:
			aliases[e.Source] = e.Target
		case e.Label == labelHasInstance:
			aliases[e.Target] = e.Source
		}
	}
	if len(edges) == 0 {
		return nil, fmt.Errorf("knowledge graph has no call relations (%v)", labelsOf(callLabels))
	}
	g, err := New(edges, aliases)
	if err != nil {
		return nil, fmt.Errorf("knowledge graph: %w", err)
	}
	return g, nil
}

func labelsOf(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}
