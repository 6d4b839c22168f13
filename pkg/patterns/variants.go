package patterns

import (
	"encoding/binary"
	"hash/fnv"
	"slices"
)

// variantKey hashes a template with position p blanked: patterns sharing it differ only
// at p, or collide, which liveVariants rules out by comparing the tokens.
func variantKey(toks []string, p int) uint64 {
	h := fnv.New64a()
	var num [8]byte
	binary.LittleEndian.PutUint64(num[:], uint64(p))
	h.Write(num[:])
	for i, t := range toks {
		if i != p {
			h.Write([]byte(t))
		}
		h.Write([]byte{0}) // cannot occur in a token
	}
	return h.Sum64()
}

// sameExcept says whether two templates are equal everywhere but at p.
func sameExcept(a, b []string, p int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if i != p && a[i] != b[i] {
			return false
		}
	}
	return true
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
func (m *Miner) liveVariants(k uint64, toks []string, p int) []*cluster {
	var live []*cluster
	ids := m.variants[k][:0]
	for _, id := range m.variants[k] {
		c := m.clusters[id]
		if c == nil || c.tokens[p] == Wildcard || !sameExcept(c.tokens, toks, p) {
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
	for _, c := range cs[1:] {
		into.display[p] = generaliseToken(into.display[p], c.display[p])
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

// forgetVariants removes an evicted pattern from the variant index, so the index holds
// live patterns only and stays within the template cap.
func (m *Miner) forgetVariants(c *cluster) {
	for p, t := range c.tokens {
		if t == Wildcard {
			continue
		}
		k := variantKey(c.tokens, p)
		ids := slices.DeleteFunc(m.variants[k], func(id ID) bool { return id == c.id })
		if len(ids) == 0 {
			delete(m.variants, k)
		} else {
			m.variants[k] = ids
		}
	}
}
