package patterns

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"terminating", "terminating"},
		{"42", Wildcard},
		{"size=1024,", "size=<*>,"},
		{"0x1f3a", Wildcard},
		{"10.0.0.1:8080", "<*>:<*>"},
		{"(proxy.example.com:443)", "(<*>:<*>)"},
		{"fe80::1c5b:3bff:fe2c:ab12", Wildcard},
		{"/var/log/syslog", Wildcard},
		{"(/var/lib/nova/x):", "(<*>):"},
		{"https://example.com/a", Wildcard},
		{"blk_-4235", Wildcard},
		{"SOCKS5", "SOCKS5"},
		{"jk2_init()", "jk2_init()"},
		{"mail.example.com", Wildcard},
		{"org.apache.Hadoop", "org.apache.Hadoop"},
		{"uid=0", "uid=<*>"},
		{"ruser=", "ruser="},
		{"Jun", Wildcard},
		{"null", Wildcard},
		{"nil", "nil"},   // "nil map", "nil pointer": part of the message
		{"true", "true"}, // booleans are states, not values: "up=true" and "up=false" are two events
		{`tag="View Lock",`, `tag="View Lock",`},
		{`"GET /v2/servers HTTP/1.1"`, `"GET <*> <*>"`},
	}
	for _, tt := range tests {
		if got := mask(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenizeJoinsUnitsAndQuotes(t *testing.T) {
	got := strings.Join(tokenize(`sent 12 KB) in 3 ms, tag="a b" done`, 1<<10, 100, nil), "|")
	if want := `sent|<*>|in|<*>|tag="a b"|done`; got != want {
		t.Fatalf("tokens %q, want %q", got, want)
	}
}

func mine(m *Miner, lines ...string) []ID {
	ids := make([]ID, len(lines))
	for i, l := range lines {
		ids[i] = m.Add(l)
	}
	for i := range ids {
		ids[i] = m.Resolve(ids[i])
	}
	return ids
}

func TestMinerGroups(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []string // the final template of each line
	}{
		{
			name:  "numbers are masked",
			lines: []string{"Served block blk_123 to 10.0.0.1", "Served block blk_-4567 to 10.0.0.2"},
			want:  []string{"Served block <*> to <*>", "Served block <*> to <*>"},
		},
		{
			name:  "two variants of a word stay apart",
			lines: []string{"auth failure user=root", "auth failure user=guest", "auth failure user=root"},
			want:  []string{"auth failure user=root", "auth failure user=guest", "auth failure user=root"},
		},
		{
			name: "many variants of a word are a value",
			lines: []string{"session closed for user alice", "session closed for user bob",
				"session closed for user carol", "session closed for user dave"},
			want: []string{"session closed for user <*>", "session closed for user <*>",
				"session closed for user <*>", "session closed for user <*>"},
		},
		{
			name:  "a value of several words joins the pattern of its fixed words",
			lines: []string{"close, 0 bytes sent, lifetime 00:01", "close, 1024 bytes (1.00 KB) sent, lifetime 00:02"},
			want:  []string{"close, <*> bytes sent, lifetime <*>:<*>", "close, <*> bytes sent, lifetime <*>:<*>"},
		},
		{
			name:  "different events of one length stay apart",
			lines: []string{"disk full on sda", "link down on eth0"},
			want:  []string{"disk full on sda", "link down on eth0"},
		},
		{
			name:  "a template of values only takes only values",
			lines: []string{"12 34", "hello world"},
			want:  []string{"<*> <*>", "hello world"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Config{})
			ids := mine(m, tt.lines...)
			for i, id := range ids {
				if got := m.Template(id); got != tt.want[i] {
					t.Errorf("line %q: template %q, want %q", tt.lines[i], got, tt.want[i])
				}
			}
		})
	}
}

func TestMinerIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lines := make([]string, 5000)
	words := []string{"open", "close", "read", "write", "user", "disk", "error", "ok"}
	for i := range lines {
		lines[i] = fmt.Sprintf("%s %s id=%d %s", words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(1000), words[r.IntN(3)])
	}
	a, b := New(Config{}), New(Config{})
	ia, ib := mine(a, lines...), mine(b, lines...)
	for i := range ia {
		if ia[i] != ib[i] || a.Template(ia[i]) != b.Template(ib[i]) {
			t.Fatalf("line %d: %d %q vs %d %q", i, ia[i], a.Template(ia[i]), ib[i], b.Template(ib[i]))
		}
	}
	pa, pb := a.Patterns(), b.Patterns()
	if fmt.Sprint(pa) != fmt.Sprint(pb) {
		t.Fatal("pattern lists differ between two runs over the same lines")
	}
}

func TestMinerBoundsTemplates(t *testing.T) {
	m := New(Config{MaxTemplates: 50})
	for i := range 10_000 {
		// every line its own event: a distinct fixed word per line
		m.Add(fmt.Sprintf("event%c%c%c happened at%c%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676%26, 'a'+i/676%26, 'a'+i%26, 'a'+i/26%26))
	}
	if m.Len() > 50 {
		t.Fatalf("%d patterns kept, cap 50", m.Len())
	}
	if len(m.byShape) > 50 || len(m.alias) > 4*50+50 || len(m.skeletons) > 50 || len(m.variants) > 50*3 {
		t.Fatalf("indexes not bounded: %d shapes, %d aliases, %d skeletons, %d variant keys",
			len(m.byShape), len(m.alias), len(m.skeletons), len(m.variants))
	}
	// the most recent pattern is still there
	id := m.Add("eventzzz happened") // not seen before either
	if m.Template(id) == "" {
		t.Fatal("the pattern just added was evicted")
	}
}

func TestMinerHostileInput(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{"empty", ""},
		{"spaces only", "   \t  "},
		{"very long line", strings.Repeat("x", 10<<20)},
		{"thousands of tokens", strings.Repeat("tok ", 50_000)},
		{"binary bytes", string([]byte{0, 1, 2, 0xff, 0xfe, ' ', 0x80, '"', 0x7f})},
		{"unterminated quote", `msg="never closed and long ` + strings.Repeat("a ", 1000)},
		{"only delimiters", strings.Repeat("=:,;()[]{}", 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Config{})
			id := m.Add(tt.line)
			tmpl := m.Template(id)
			if len(tmpl) > DefaultMaxLineBytes+len(Wildcard)*DefaultMaxTokens {
				t.Fatalf("template of %d bytes from a hostile line", len(tmpl))
			}
			if n := len(strings.Fields(tmpl)); n > DefaultMaxTokens {
				t.Fatalf("template of %d tokens, cap %d", n, DefaultMaxTokens)
			}
			if again := m.Add(tt.line); again != id {
				t.Fatalf("the same line got pattern %d then %d", id, again)
			}
		})
	}
}

func FuzzMiner(f *testing.F) {
	for _, s := range []string{"a b c", "x=1, y=2", `"q w" e`, "10.0.0.1:80 up", "\x00\xff"} {
		f.Add(s, "other line 42")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		m := New(Config{MaxTemplates: 4})
		ia := m.Add(a)
		m.Add(b)
		if got := m.Add(a); m.Resolve(got) != m.Resolve(ia) && m.Template(ia) != "" {
			// a line seen before may move to a merged pattern, never to an unrelated one
			if m.Template(got) == "" {
				t.Fatalf("line %q lost its pattern", a)
			}
		}
		for _, p := range m.Patterns() {
			if p.Count <= 0 {
				t.Fatalf("pattern %d with count %d", p.ID, p.Count)
			}
		}
	})
}
