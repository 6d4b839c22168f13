package groupeval

import (
	"cmp"
	"slices"
)

// Row is how one slice of the items (a fault type, a signal) fared.
type Row struct {
	Name   string
	Gold   int // gold clusters (faults, or noise alerts) with items in the slice
	Items  int
	Recall float64 // pairwise recall over the slice's same-gold pairs (1 when none)
	// Pieces is the mean number of incidents a gold cluster's items in the slice were
	// spread over: 1 when each fault stayed whole.
	Pieces float64
	// Mixed is the share of the slice's items whose incident also holds items of another
	// gold cluster (another fault, or noise): wrong merges.
	Mixed float64
}

// Breakdown scores the items grouped by key, sorted by name.
func Breakdown(occ []Occurrence, pred []string, key func(Occurrence) string) []Row {
	// Which gold clusters each predicted cluster holds, over all items.
	goldsIn := map[string]map[string]bool{}
	for i, o := range occ {
		if goldsIn[pred[i]] == nil {
			goldsIn[pred[i]] = map[string]bool{}
		}
		goldsIn[pred[i]][o.Gold] = true
	}
	type acc struct {
		items, mixed int
		cells        map[[2]string]int          // (gold, pred) → items
		golds        map[string]int             // gold → items
		pieces       map[string]map[string]bool // gold → preds
	}
	rows := map[string]*acc{}
	for i, o := range occ {
		k := key(o)
		a := rows[k]
		if a == nil {
			a = &acc{cells: map[[2]string]int{}, golds: map[string]int{}, pieces: map[string]map[string]bool{}}
			rows[k] = a
		}
		a.items++
		if len(goldsIn[pred[i]]) > 1 {
			a.mixed++
		}
		a.cells[[2]string{o.Gold, pred[i]}]++
		a.golds[o.Gold]++
		if a.pieces[o.Gold] == nil {
			a.pieces[o.Gold] = map[string]bool{}
		}
		a.pieces[o.Gold][pred[i]] = true
	}
	out := make([]Row, 0, len(rows))
	for name, a := range rows {
		var both, same float64
		for _, n := range a.cells {
			both += pairs(n)
		}
		for _, n := range a.golds {
			same += pairs(n)
		}
		r := Row{Name: name, Gold: len(a.golds), Items: a.items, Recall: 1, Mixed: float64(a.mixed) / float64(a.items)}
		if same > 0 {
			r.Recall = both / same
		}
		pieces := 0
		for _, ps := range a.pieces {
			pieces += len(ps)
		}
		r.Pieces = float64(pieces) / float64(len(a.golds))
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Row) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// ByFaultType keys items by their fault's type ("noise" for background alerts).
func ByFaultType(o Occurrence) string { return o.FaultType }

// BySignal keys items by the telemetry they were detected on.
func BySignal(o Occurrence) string { return string(o.Signal) }

// Golds returns the gold cluster of each occurrence, for Score.
func Golds(occ []Occurrence) []string {
	out := make([]string, len(occ))
	for i, o := range occ {
		out[i] = o.Gold
	}
	return out
}
