package rca

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// History remembers, per tenant, which alerts fired in its most recent incidents, so that
// an analysis can tell a clue from the background. An alert that fires in most incidents
// whatever their cause (a chronic CPU alert on a busy cache, the SLO alert every incident
// opens with) says nothing about this incident's cause; one rarely seen says a lot. This
// is the inverse document frequency of information retrieval, over incidents.
//
// Only incidents before the one analysed count, and an incident observed again (a
// refresh as alerts join) replaces its earlier entry: nothing is learnt from the future
// or twice. A History is safe for concurrent use.
type History struct {
	window int
	mu     sync.Mutex
	byTen  map[string]*tenantHistory
}

// tenantHistory is a ring of the last window incidents' alert keys and how many of them
// each key occurs in.
type tenantHistory struct {
	order []string // incident IDs, oldest first
	keys  map[string][]alertKey
	df    map[alertKey]int
}

type alertKey struct{ entity, family string }

// DefaultHistoryWindow is how many recent incidents per tenant a History keeps: enough to
// tell a chronic alert from a rare one, recent enough to follow a system that changes.
const DefaultHistoryWindow = 500

// minHistory is how many earlier incidents a tenant needs before alerts are weighed by
// how often they fire: with fewer, every alert counts in full.
const minHistory = 20

// NewHistory returns an empty history keeping the last window incidents per tenant.
func NewHistory(window int) *History {
	return &History{window: max(window, 1), byTen: map[string]*tenantHistory{}}
}

// Observe records in's alerts as its tenant's latest incident, replacing what an earlier
// Observe of the same incident recorded.
func (h *History) Observe(in Incident) {
	if h == nil {
		return
	}
	keys := incidentKeys(in)
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.byTen[in.Tenant]
	if t == nil {
		t = &tenantHistory{keys: map[string][]alertKey{}, df: map[alertKey]int{}}
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

func (t *tenantHistory) forget(id string, keys []alertKey) {
	for _, k := range keys {
		if t.df[k]--; t.df[k] <= 0 {
			delete(t.df, k)
		}
	}
	delete(t.keys, id)
	for i, o := range t.order {
		if o == id {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

// Rarity returns, for in, a function weighing each alert by how rarely it fired in the
// tenant's other recent incidents: 1 for an alert never seen before, 0 for one that fired
// in all of them. It is 1 everywhere while the tenant has fewer than minHistory other
// incidents. A nil History weighs every alert 1.
func (h *History) Rarity(in Incident) func(Alert) float64 {
	one := func(Alert) float64 { return 1 }
	if h == nil {
		return one
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.byTen[in.Tenant]
	if t == nil {
		return one
	}
	own := map[alertKey]bool{}
	for _, k := range t.keys[in.ID] {
		own[k] = true
	}
	n := len(t.order)
	if _, ok := t.keys[in.ID]; ok {
		n--
	}
	if n < minHistory {
		return one
	}
	df := make(map[alertKey]int, len(own))
	for _, k := range incidentKeys(in) {
		df[k] = t.df[k]
		if own[k] {
			df[k]--
		}
	}
	norm := math.Log(float64(n + 1))
	return func(a Alert) float64 {
		d := df[alertKey{a.Entity, signature(a)}]
		return math.Log(float64(n+1)/float64(d+1)) / norm
	}
}

// incidentKeys is the set of (entity, alert family) pairs among in's alerts.
func incidentKeys(in Incident) []alertKey {
	seen := map[alertKey]bool{}
	var out []alertKey
	for _, a := range in.Alerts {
		k := alertKey{a.Entity, signature(a)}
		if a.Entity != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// signature identifies an alert for History: its family (see AlertFamily) and the values
// of its labels other than its name, severity and entity, so that a log-pattern alert
// about a new template is not taken for the one that fires every day.
func signature(a Alert) string {
	keys := make([]string, 0, len(a.Labels))
	for k, v := range a.Labels {
		if k != "alertname" && k != "severity" && v != a.Entity {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(AlertFamily(a.Name))
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + AlertFamily(a.Labels[k]))
	}
	return b.String()
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
