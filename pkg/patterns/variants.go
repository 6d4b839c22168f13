package patterns

import (
	"slices"
	"strconv"
	"strings"
)

// variantKey is a template with position p blanked: patterns sharing it differ only at p.
func variantKey(toks []string, p int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(p))
	for i, t := range toks {
		b.WriteByte(' ')
		if i == p {
			b.WriteByte(0) // cannot occur in a token
			continue
		}
		b.WriteString(t)
	}
	return b.String()
}

// noteVariants records c under each of its fixed positions.
func (m *Miner) noteVariants(c *cluster) {
	for p, t := range c.tokens {
		if t == Wildcard {
			continue
		}
		k := variantKey(c.tokens, p)
		if !slices.Contains(m.variants[k], c.id) {
			m.variants[k] = append(m.variants[k], c.id)
		}
	}
}

// mergeVariants merges c with the patterns that differ from it in one position only, once
// there are MergeVariants of them: that position holds a value, not a word. It returns
// the pattern c now belongs to.
func (m *Miner) mergeVariants(c *cluster) *cluster {
	for p := 0; p < len(c.tokens); p++ {
		if c.tokens[p] == Wildcard || !keepsEnoughWords(c.tokens) {
			continue
		}
		k := variantKey(c.tokens, p)
		live := m.liveVariants(k, c.tokens, p)
		if len(live) < m.cfg.MergeVariants {
			continue
		}
		delete(m.variants, k)
		c = m.merge(live, p)
	}
	return c
}

// liveVariants prunes the entries under k that were evicted, merged or generalised since
// they were recorded, and returns the rest, lowest id first.
func (m *Miner) liveVariants(k string, toks []string, p int) []*cluster {
	var live []*cluster
	ids := m.variants[k][:0]
	for _, id := range m.variants[k] {
		c := m.clusters[id]
		if c == nil || len(c.tokens) != len(toks) || c.tokens[p] == Wildcard || variantKey(c.tokens, p) != k {
			continue
		}
		ids = append(ids, id)
		live = append(live, c)
	}
	if len(ids) == 0 {
		delete(m.variants, k)
	} else {
		m.variants[k] = ids
	}
	slices.SortFunc(live, func(a, b *cluster) int { return int(a.id - b.id) })
	return live
}

// merge folds the patterns into the first (the oldest), with a wildcard at p.
func (m *Miner) merge(cs []*cluster, p int) *cluster {
	into := cs[0]
	m.unindex(into)
	into.tokens[p] = Wildcard
	into.display[p] = Wildcard
	for _, c := range cs[1:] {
		m.unindex(c)
		delete(m.clusters, c.id)
		m.recent.Remove(c.id)
		m.alias[c.id] = into.id
		into.count += c.count
	}
	m.index(into)
	m.noteVariants(into)
	return into
}

// keepsEnoughWords says whether a template may lose one more fixed word to a merge: at
// least half of its tokens must stay fixed, or "<*> <*>" would end up swallowing every
// two-word line.
func keepsEnoughWords(toks []string) bool {
	fixed := 0
	for _, t := range toks {
		if t != Wildcard {
			fixed++
		}
	}
	return 2*(fixed-1) >= len(toks)
}
