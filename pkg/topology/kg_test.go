package topology

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

func TestFromKnowledgeGraphMicroSS(t *testing.T) {
	dir := datasets.Dir(t, "fault-alerts-micross")
	f, err := os.Open(filepath.Join(dir, "system-knowledge-graphs", "original", "MicroSS", "MicroSS-KG.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := FromKnowledgeGraph(f)
	if err != nil {
		t.Fatal(err)
	}
	// 9 control_flow + 2 data_flow + 6 registers_with relations, none repeated.
	if n := len(g.Edges()); n != 17 {
		t.Errorf("%d edges, want 17: %v", n, g.Edges())
	}
	wantServices := []string{"dbservice", "frontend", "loginservice", "mobservice", "mysql", "redis", "redisservice", "webservice", "zookeeper"}
	if got := g.Services(); !slices.Equal(got, wantServices) {
		t.Errorf("services %v, want %v (hosts and instances are not services)", got, wantServices)
	}
	if n := len(g.Aliases()); n != 10 {
		t.Errorf("%d aliases, want the 10 service instances", n)
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"webservice1", "webservice2", 0},
		{"webservice1", "mobservice2", 1},
		{"loginservice1", "dbservice2", 1},
		{"mobservice1", "loginservice2", 2},
		{"dbservice1", "mysql", 1},
		{"frontend", "redis", 3},
		{"host1", "webservice1", -1}, // hosts are placement, not calls
	} {
		if got := g.Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if got := g.Downstream("webservice1"); !slices.Equal(got, []string{"loginservice", "mobservice", "redisservice", "zookeeper"}) {
		t.Errorf("Downstream(webservice1) = %v", got)
	}
}

func TestFromKnowledgeGraphRejects(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"not JSON", "nodes:", "decode knowledge graph"},
		{"undeclared node", `{"nodes":[{"id":"a"}],"edges":[{"source":"a","target":"b","label":"control_flow"}]}`, `edge 1 ("a" -control_flow-> "b") names a node that is not declared`},
		{"no calls", `{"nodes":[{"id":"a"},{"id":"h"}],"edges":[{"source":"a","target":"h","label":"hosted_on"}]}`, "no call relations"},
	} {
		_, err := FromKnowledgeGraph(strings.NewReader(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
