package topology

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

var _ incident.Topology = (*Graph)(nil)
var _ incident.Topology = (*Live)(nil)

// shop is web → cart → redis, web → auth, with a chain long enough to pass MaxDepth:
// web → a1 → a2 → a3 → a4 → a5.
func shop(t *testing.T) *Graph {
	t.Helper()
	g, err := New([]Edge{
		{"web", "cart"}, {"cart", "redis"}, {"web", "auth"}, {"auth", "auth"},
		{"web-1", "cart"}, // an alias: folds into web → cart
		{"web", "a1"}, {"a1", "a2"}, {"a2", "a3"}, {"a3", "a4"}, {"a4", "a5"},
		{"batch", "store"}, // a separate component
	}, map[string]string{"web-1": "web", "web-2": "web", "cart-7d9f-xyz": "cart-pod", "cart-pod": "cart"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestDistance(t *testing.T) {
	g := shop(t)
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"web", "web", 0},
		{"web-1", "web-2", 0}, // two instances of one service
		{"web", "cart", 1},
		{"cart", "web", 1}, // direction is ignored
		{"web-1", "cart-7d9f-xyz", 1},
		{"redis", "auth", 3},
		{"auth", "auth", 0}, // the self-call does not count
		{"web", "a4", 4},
		{"web", "a5", -1}, // beyond MaxDepth
		{"web", "store", -1},
		{"web", "unknown", -1},
		{"unknown", "unknown", -1}, // unknown is never close, even to itself
	} {
		if got := g.Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	var none *Graph
	if d := none.Distance("web", "web"); d != -1 {
		t.Errorf("nil graph: Distance = %d, want -1", d)
	}
}

func TestGraphAccessors(t *testing.T) {
	g := shop(t)
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"Neighbours(web-2)", g.Neighbours("web-2"), []string{"a1", "auth", "cart"}},
		{"Neighbours(auth)", g.Neighbours("auth"), []string{"web"}},
		{"Downstream(web)", g.Downstream("web"), []string{"a1", "auth", "cart"}},
		{"Downstream(auth)", g.Downstream("auth"), []string{"auth"}},
		{"Downstream(redis)", g.Downstream("redis"), nil},
		{"Services", g.Services(), []string{"a1", "a2", "a3", "a4", "a5", "auth", "batch", "cart", "redis", "store", "web"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if n := len(g.Edges()); n != 10 {
		t.Errorf("%d edges, want 10 (web-1 → cart folds into web → cart): %v", n, g.Edges())
	}
	if got := g.Canonical("cart-7d9f-xyz"); got != "cart" {
		t.Errorf("alias chain resolves to %q, want cart", got)
	}
}

func TestNewRejects(t *testing.T) {
	for _, c := range []struct {
		name    string
		edges   []Edge
		aliases map[string]string
		want    string
	}{
		{"empty client", []Edge{{"a", "b"}, {"", "b"}}, nil, `edge 2 ("" → "b"): client and server must both be named`},
		{"alias cycle", []Edge{{"a", "b"}}, map[string]string{"x": "y", "y": "x"}, "cycle"},
		{"empty alias", []Edge{{"a", "b"}}, map[string]string{"x": ""}, `alias "x" → ""`},
	} {
		_, err := New(c.edges, c.aliases)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, body string
		want       string // error substring; "" when the file is good
	}{
		{"good.yaml", "edges:\n  - {client: web, server: cart}\naliases:\n  web-1: web\n", ""},
		{"good.json", `{"edges":[{"client":"web","server":"cart"}],"aliases":{"web-1":"web"}}`, ""},
		{"typo.yaml", "edges:\n  - {client: web, sever: cart}\n", "line 2: field sever not found"},
		{"typo.json", `{"edges":[{"client":"web","sever":"cart"}]}`, `unknown field "sever"`},
		{"broken.json", "{\"edges\": [\n  {\"client\": \"web\",}\n]}", "line 2, column 20"},
		{"empty.yaml", "aliases: {a: b}\n", "no edges"},
		{"noserver.yaml", "edges:\n  - {client: web}\n", `edge 1 ("web" → ""): client and server must both be named`},
		{"graph.txt", "web -> cart", `unsupported extension ".txt"`},
	} {
		p := write(c.name, c.body)
		g, err := LoadFile(p)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if d := g.Distance("web-1", "cart"); d != 1 {
				t.Errorf("%s: Distance(web-1, cart) = %d, want 1", c.name, d)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file and containing %q", c.name, err, c.want)
		}
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.yaml")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: error %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestReaches(t *testing.T) {
	g, err := New([]Edge{{"web", "api"}, {"api", "db"}, {"batch", "db"}}, map[string]string{"web-1": "web"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from, to string
		want     bool
	}{
		{"web", "db", true}, {"web-1", "api", true}, {"db", "web", false},
		{"batch", "api", false}, {"web", "web-1", false}, {"web", "unknown", false},
	}
	for _, tt := range tests {
		if got := g.Reaches(tt.from, tt.to); got != tt.want {
			t.Errorf("Reaches(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
	if (*Graph)(nil).Reaches("a", "b") {
		t.Error("a nil graph reaches nothing")
	}
}
