// Package patterns mines log templates online: each line joins the pattern whose fixed
// words it shares, variable parts (numbers, ids, addresses, paths, values) become
// wildcards, and patterns that turn out to differ only in a value are merged. It knows
// nothing of Loki or Grafana: it takes lines and returns pattern ids and templates.
//
// The algorithm is of the Drain family (He et al., ICWS 2017) with three changes that
// matter on real logs: values are masked inside tokens ("size=<*>,") by generic rules
// rather than per-system regular expressions; a line whose fixed words all match a
// pattern joins it before any similarity is considered, so near-identical events are not
// blurred together; and a position is generalised to a wildcard when several patterns
// differ only there (the cardinality of a position, not one mismatch, marks a variable).
package patterns

import (
	"cmp"
	"slices"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ID identifies a pattern. Merged patterns keep the lowest id; Resolve maps an old id to it.
type ID int64

// Pattern is one template with the number of lines it has matched.
type Pattern struct {
	ID       ID
	Template string
	Count    int64
}

type cluster struct {
	id      ID
	tokens  []string // what matching compares: values, with their punctuation, are Wildcard
	display []string // what the template shows: values keep their punctuation, "(<*>)"
	count   int64
}

type shapeKey struct {
	n     int
	first string // the first token, or Wildcard when the template starts with one
}

// Miner groups lines into patterns. It is not safe for concurrent use; the same lines in
// the same order always give the same patterns and ids.
type Miner struct {
	cfg       Config
	clusters  map[ID]*cluster
	byShape   map[shapeKey][]*cluster
	memo      map[string]ID   // masked line → pattern, the fast path for repeated shapes
	variants  map[uint64][]ID // template with one position blanked → patterns sharing it
	alias     map[ID]ID       // merged pattern → the one it was merged into
	skeletons map[string]ID   // fixed words → the first pattern that had them
	recent    *lru.Cache[ID, struct{}]
	nextID    ID
	buf, norm []string
}

// New returns an empty miner.
func New(cfg Config) *Miner {
	cfg = cfg.withDefaults()
	m := &Miner{
		cfg:       cfg,
		clusters:  map[ID]*cluster{},
		byShape:   map[shapeKey][]*cluster{},
		memo:      map[string]ID{},
		variants:  map[uint64][]ID{},
		alias:     map[ID]ID{},
		skeletons: map[string]ID{},
		nextID:    1,
	}
	m.recent, _ = lru.NewWithEvict(cfg.MaxTemplates, func(id ID, _ struct{}) { m.evict(id) })
	return m
}

// memoLimit bounds the fast-path map; it is cleared when full, which costs only speed.
const memoLimit = 1 << 16

// Add assigns a line to a pattern, creating one when no pattern fits, and returns its id.
func (m *Miner) Add(line string) ID {
	toks := tokenize(line, m.cfg.MaxLineBytes, m.cfg.MaxTokens, m.buf)
	m.buf = toks
	key := strings.Join(toks, " ")
	if id, ok := m.memo[key]; ok {
		if c := m.clusters[m.Resolve(id)]; c != nil {
			return m.hit(c)
		}
	}
	norm := m.normalise(toks)
	c := m.match(norm)
	if c == nil {
		c = m.create(norm, toks)
	} else {
		m.generalise(c, norm, toks)
	}
	if len(m.memo) >= memoLimit {
		clear(m.memo)
	}
	m.memo[key] = c.id
	c = m.mergeVariants(c)
	return m.hit(c)
}

func (m *Miner) hit(c *cluster) ID {
	c.count++
	m.recent.Add(c.id, struct{}{})
	id := m.Resolve(c.id)
	if id != c.id {
		m.recent.Add(id, struct{}{})
	}
	return id
}

// match finds the pattern for a tokenized line: the most specific one whose fixed words
// all match, else the most similar one above the threshold.
func (m *Miner) match(toks []string) *cluster {
	var best *cluster
	bestFixed, bestSim := -1, -1.0
	for _, c := range m.candidates(toks) {
		same, fixed := 0, 0
		for i, t := range c.tokens {
			if t == Wildcard {
				continue
			}
			fixed++
			if t == toks[i] {
				same++
			}
		}
		// A template of wildcards only would swallow any line of its length: it takes
		// only lines that are all values too.
		if same == fixed && fixed > bestFixed && (fixed > 0 || allWild(toks)) {
			best, bestFixed = c, fixed
		}
		if bestFixed < 0 {
			if sim := float64(same) / float64(len(toks)); sim >= m.cfg.Similarity && sim > bestSim {
				best, bestSim = c, sim
			}
		}
	}
	return best
}

func (m *Miner) candidates(toks []string) []*cluster {
	n := len(toks)
	if n == 0 {
		return m.byShape[shapeKey{}]
	}
	exact := m.byShape[shapeKey{n, toks[0]}]
	if toks[0] == Wildcard {
		return exact
	}
	return append(exact[:len(exact):len(exact)], m.byShape[shapeKey{n, Wildcard}]...)
}

func (m *Miner) create(toks, display []string) *cluster {
	c := &cluster{id: m.nextID, tokens: slices.Clone(toks), display: slices.Clone(display)}
	m.nextID++
	m.clusters[c.id] = c
	m.index(c)
	m.noteVariants(c)
	// A pattern with the same fixed words as one of another length is the same event
	// with a value that spans a different number of words ("0 bytes" / "12 bytes (1 KB)"):
	// it keeps its own template for matching and reports as the first one.
	sk := skeleton(c.tokens)
	if first, ok := m.skeletons[sk]; ok && m.clusters[m.Resolve(first)] != nil {
		m.alias[c.id] = m.Resolve(first)
	} else {
		m.skeletons[sk] = c.id
	}
	return c
}

// skeleton is a template's fixed words, without its wildcards.
func skeleton(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		if t != Wildcard {
			b.WriteString(t)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// generalise turns the positions where the line differs from the template into wildcards.
func (m *Miner) generalise(c *cluster, toks, display []string) {
	for i, t := range c.display {
		if t != display[i] {
			c.display[i] = generaliseToken(t, display[i])
		}
	}
	changed := false
	for i, t := range c.tokens {
		if t != Wildcard && t != toks[i] {
			if !changed {
				m.unindex(c)
			}
			c.tokens[i] = Wildcard
			changed = true
		}
	}
	if changed {
		m.index(c)
		m.noteVariants(c)
	}
}

func shapeOf(c *cluster) shapeKey {
	if len(c.tokens) == 0 {
		return shapeKey{}
	}
	return shapeKey{len(c.tokens), c.tokens[0]}
}

func (m *Miner) index(c *cluster) {
	k := shapeOf(c)
	m.byShape[k] = append(m.byShape[k], c)
}

func (m *Miner) unindex(c *cluster) {
	k := shapeOf(c)
	list := slices.DeleteFunc(m.byShape[k], func(x *cluster) bool { return x == c })
	if len(list) == 0 {
		delete(m.byShape, k)
		return
	}
	m.byShape[k] = list
}

// Resolve maps an id to the pattern it reports as: the one it was merged into, or the
// first pattern with its fixed words (itself if none, or if that one was evicted).
func (m *Miner) Resolve(id ID) ID {
	to := id
	for {
		next, ok := m.alias[to]
		if !ok {
			break
		}
		to = next
	}
	if m.clusters[to] == nil && m.clusters[id] != nil {
		return id
	}
	return to
}

// Template is the current template of a pattern, or "" when it has been evicted.
func (m *Miner) Template(id ID) string {
	c := m.clusters[m.Resolve(id)]
	if c == nil {
		return ""
	}
	return render(c.display)
}

// Patterns lists the live patterns, most frequent first (ties by id).
func (m *Miner) Patterns() []Pattern {
	byID := make(map[ID]*Pattern, len(m.clusters))
	for _, c := range m.clusters {
		id := m.Resolve(c.id)
		p := byID[id]
		if p == nil {
			p = &Pattern{ID: id, Template: render(m.clusters[id].display)}
			byID[id] = p
		}
		p.Count += c.count
	}
	out := make([]Pattern, 0, len(byID))
	for _, p := range byID {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Pattern) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Len is the number of live patterns.
func (m *Miner) Len() int { return len(m.clusters) }

func (m *Miner) evict(id ID) {
	c := m.clusters[id]
	if c == nil {
		return
	}
	m.unindex(c)
	delete(m.clusters, id)
	m.forgetVariants(c)
	if sk := skeleton(c.tokens); m.skeletons[sk] == id {
		delete(m.skeletons, sk)
	}
	// Stale memo and alias entries are dropped lazily: every reader checks that the
	// pattern still exists. Aliases are pruned here so they stay bounded.
	if len(m.alias) > 4*m.cfg.MaxTemplates {
		for from, to := range m.alias {
			if m.clusters[m.Resolve(to)] == nil {
				delete(m.alias, from)
			}
		}
	}
}

// render joins a template's tokens.
func render(toks []string) string { return strings.Join(toks, " ") }

func allWild(toks []string) bool {
	for _, t := range toks {
		if t != Wildcard {
			return false
		}
	}
	return true
}

// normalise maps a line's masked tokens to the ones matching compares: a value is a
// value whatever punctuation surrounds it.
func (m *Miner) normalise(toks []string) []string {
	norm := m.norm[:0]
	for _, t := range toks {
		if isValue(t) {
			t = Wildcard
		}
		norm = append(norm, t)
	}
	m.norm = norm
	return norm
}

// generaliseToken is the display form covering two different tokens: a wildcard that keeps
// the punctuation they share around it, so "[10.0.0.1]" and "[localhost]" give "[<*>]".
func generaliseToken(a, b string) string {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] && strings.IndexByte(wrapping, a[pre]) >= 0 {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] && strings.IndexByte(wrapping, a[len(a)-1-suf]) >= 0 {
		suf++
	}
	return a[:pre] + Wildcard + a[len(a)-suf:]
}
