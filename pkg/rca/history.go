package rca

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// History remembers, per tenant, what evidence its most recent incidents showed, so that
// an analysis can tell a clue from the background. Evidence seen in most incidents
// whatever their cause (a chronic CPU alert on a busy cache, the SLO alert every incident
// opens with, a batch job's latency that is always up when anything is) says nothing
// about this incident's cause; evidence rarely seen says a lot. This is the inverse
// document frequency of information retrieval, over incidents.
//
// Only incidents other than the one analysed count, and an incident observed again (a
// refresh as alerts join) replaces its earlier entry: nothing is counted twice. A History
// is safe for concurrent use.
type History struct {
	window int
	mu     sync.Mutex
	byTen  map[string]*tenantHistory
}

// tenantHistory is a ring of the last window incidents' evidence keys and how many of
// them each key occurs in.
type tenantHistory struct {
	order []string // incident IDs, oldest first
	keys  map[string][]evidenceKey
	df    map[evidenceKey]int
}

// evidenceKey is what makes two pieces of evidence the same observation: the entity, the
// kind, the signal and, for measurements, the direction of the change.
type evidenceKey struct {
	entity string
	kind   Kind
	signal string
	up     int8
}

func keyOf(e Evidence) evidenceKey {
	k := evidenceKey{entity: e.Entity, kind: e.Kind, signal: e.Signal}
	switch {
	case e.Delta > 0:
		k.up = 1
	case e.Delta < 0:
		k.up = -1
	}
	return k
}

// DefaultHistoryWindow is how many recent incidents per tenant a History keeps: enough to
// tell chronic evidence from rare, recent enough to follow a system that changes.
const DefaultHistoryWindow = 500

// minHistory is how many other incidents a tenant needs before evidence is weighed by
// how often it was seen: with fewer, everything counts in full. A handful is enough to see
// evidence that shows up in every incident; the weights are coarse while the history is
// short (seen in 1 of 5 already counts 0.7).
const minHistory = 5

// common is the share of incidents from which evidence starts to count less. Up to it,
// evidence counts in full: a component that fails often is not background, and its
// evidence recurs with its failures. Evidence seen in every incident counts nothing.
const common = 0.1

// present is the strength from which evidence counts as seen in an incident: weaker
// changes are noise that a window of incidents would otherwise count as background.
const present = 0.5

// NewHistory returns an empty history keeping the last window incidents per tenant.
func NewHistory(window int) *History {
	return &History{window: max(window, 1), byTen: map[string]*tenantHistory{}}
}

// Observe records the evidence ev about in (as gathered, before Weigh) as its tenant's
// latest incident, replacing what an earlier Observe of the same incident recorded.
func (h *History) Observe(in Incident, ev []Evidence) {
	if h == nil {
		return
	}
	keys := presentKeys(ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.byTen[in.Tenant]
	if t == nil {
		t = &tenantHistory{keys: map[string][]evidenceKey{}, df: map[evidenceKey]int{}}
		h.byTen[in.Tenant] = t
	}
	if old, ok := t.keys[in.ID]; ok {
		t.forget(in.ID, old)
	}
	for len(t.order) >= h.window {
		t.forget(t.order[0], t.keys[t.order[0]])
	}
	t.order = append(t.order, in.ID)
	t.keys[in.ID] = keys
	for _, k := range keys {
		t.df[k]++
	}
}

// Forget removes an incident from its tenant's history: one merged into another, whose
// alerts now count there.
func (h *History) Forget(tenant, id string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.byTen[tenant]; t != nil {
		if keys, ok := t.keys[id]; ok {
			t.forget(id, keys)
		}
	}
}

func (t *tenantHistory) forget(id string, keys []evidenceKey) {
	for _, k := range keys {
		if t.df[k]--; t.df[k] <= 0 {
			delete(t.df, k)
		}
	}
	delete(t.keys, id)
	if i := slices.Index(t.order, id); i >= 0 {
		t.order = slices.Delete(t.order, i, i+1)
	}
}

// Weigh returns ev with each piece's strength multiplied by its rarity among the tenant's
// other recent incidents: 1 for evidence seen in at most a share common of them, falling
// (with the logarithm of the share) to 0 for evidence seen in all of them.
// Derived evidence is left alone (see derived). While the tenant has fewer than
// minHistory other incidents, ev is returned unchanged. A nil History changes nothing.
func (h *History) Weigh(in Incident, ev []Evidence) []Evidence {
	if h == nil {
		return ev
	}
	n, df := h.counts(in, ev)
	if n < minHistory {
		return ev
	}
	out := make([]Evidence, len(ev))
	for i, e := range ev {
		out[i] = e
		seen := df[i]
		if w := rarity(float64(seen) / float64(n)); w < 1 && !derived(e) {
			out[i].Strength *= w
			out[i].Detail += fmt.Sprintf(" (seen in %d of the last %d incidents: counts %.2f)", seen, n, w)
		}
	}
	return out
}

// rarity is the weight of evidence seen in share of the incidents: 1 up to common, then
// falling with the logarithm of the share to 0 at 1.
func rarity(share float64) float64 {
	if share <= common {
		return 1
	}
	return math.Log(share) / math.Log(common)
}

// counts returns how many of in's tenant's incidents other than in the history holds and,
// for each piece of ev, in how many of them its key was present.
func (h *History) counts(in Incident, ev []Evidence) (int, []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.byTen[in.Tenant]
	if t == nil {
		return 0, nil
	}
	own := map[evidenceKey]bool{}
	for _, k := range t.keys[in.ID] {
		own[k] = true
	}
	n := len(t.order)
	if _, observed := t.keys[in.ID]; observed {
		n--
	}
	df := make([]int, len(ev))
	for i, e := range ev {
		k := keyOf(e)
		df[i] = t.df[k]
		if own[k] {
			df[i]--
		}
	}
	return n, df
}

// presentKeys is the set of keys of ev's evidence strong enough to count as seen.
func presentKeys(ev []Evidence) []evidenceKey {
	seen := map[evidenceKey]bool{}
	var out []evidenceKey
	for _, e := range ev {
		k := keyOf(e)
		if !derived(e) && e.Entity != "" && e.Strength >= present && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// AlertFamily is an alert name with its numbers replaced by "#": the alerts of one rule
// over numbered things (cpu_core_3_pct_high, cpu_core_12_pct_high; HTTP500, HTTP503) are
// one observation, not one per core or status code.
func AlertFamily(name string) string {
	var b strings.Builder
	digits := false
	for _, r := range name {
		if unicode.IsDigit(r) {
			if !digits {
				b.WriteByte('#')
			}
			digits = true
			continue
		}
		digits = false
		b.WriteRune(r)
	}
	return b.String()
}
