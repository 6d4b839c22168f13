package rca

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// maxReasons is how many pieces of evidence an explanation sentence cites; the
// hypothesis still carries all of them.
const maxReasons = 3

// ordered sorts evidence for presentation: by kind (changes first), then strength, and
// folds repeats of one signal into its strongest report.
func ordered(ev []Evidence) []Evidence {
	rank := map[Kind]int{}
	for i, k := range Kinds {
		rank[k] = i
	}
	out := slices.Clone(ev)
	slices.SortStableFunc(out, func(a, b Evidence) int {
		return cmp.Or(cmp.Compare(rank[a.Kind], rank[b.Kind]), -cmp.Compare(a.Strength, b.Strength),
			a.Onset.Compare(b.Onset), cmp.Compare(a.Signal, b.Signal))
	})
	return slices.CompactFunc(out, func(a, b Evidence) bool {
		return a.Kind == b.Kind && a.Signal == b.Signal && a.Entity == b.Entity
	})
}

// explain writes the sentence shown with a hypothesis: the entity, its confidence and the
// strongest evidence of each kind.
func explain(h Hypothesis) string {
	var reasons []string
	seen := map[Kind]bool{}
	for _, e := range h.Evidence {
		if seen[e.Kind] || e.Detail == "" {
			continue
		}
		seen[e.Kind] = true
		reasons = append(reasons, e.Detail)
		if len(reasons) == maxReasons {
			break
		}
	}
	s := fmt.Sprintf("%s (confidence %.2f)", h.Entity, h.Confidence)
	if len(reasons) > 0 {
		s += ": " + strings.Join(reasons, "; ")
	}
	return s
}

func dependants(callers, others int) string {
	if callers == others {
		if others == 1 {
			return "the other abnormal component depends on it"
		}
		return fmt.Sprintf("all %d other abnormal components depend on it", others)
	}
	return fmt.Sprintf("%d of %d other abnormal components depend on it", callers, others)
}
