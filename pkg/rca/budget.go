package rca

import (
	"errors"
	"sync/atomic"
)

// ErrBudget is returned by Budget.Take when the incident's query budget is spent.
var ErrBudget = errors.New("query budget for this incident is spent")

// Budget bounds the source queries one analysis may make, across all gatherers, so that an
// incident with hundreds of alerts costs the data sources no more than a small one.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget allows max queries.
func NewBudget(max int) *Budget { return &Budget{max: int64(max)} }

// Take reserves one query, or returns ErrBudget.
func (b *Budget) Take() error {
	if b.used.Add(1) > b.max {
		b.used.Add(-1)
		return ErrBudget
	}
	return nil
}

// Used is how many queries were reserved.
func (b *Budget) Used() int { return int(b.used.Load()) }
