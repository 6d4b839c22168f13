package query

import (
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/source/loki"
)

// Defaults and limits of a patterns query; src/types.ts mirrors them.
const (
	DefaultTopPatterns = 10
	MaxTopPatterns     = 50
	DefaultMaxLines    = 20_000
	MinMaxLines        = 100
	MaxMaxLines        = 200_000
)

// Patterns is a validated log-patterns query with every default applied.
type Patterns struct {
	// Expr is a LogQL log query: a stream selector with optional line filters.
	Expr string
	// Top is how many patterns get a count series.
	Top int
	// MaxLines bounds the lines read from Loki; beyond it the newest lines are analysed.
	MaxLines int
	// Rate configures the band model judging each pattern's rate.
	Rate    anomaly.Config
	MinStep time.Duration
}

// Patterns returns the validated patterns query. Fields of other kinds are ignored.
func (m Model) Patterns() (Patterns, error) {
	if err := loki.CheckQuery(m.Expr); err != nil {
		return Patterns{}, &FieldError{Field: "expr", Err: err}
	}
	p := Patterns{Expr: m.Expr, Top: DefaultTopPatterns, MaxLines: DefaultMaxLines, Rate: anomaly.DefaultConfig()}
	if m.TopPatterns != nil {
		if *m.TopPatterns < 1 || *m.TopPatterns > MaxTopPatterns {
			return Patterns{}, &FieldError{Field: "topPatterns", Err: fmt.Errorf("%d is outside 1 to %d", *m.TopPatterns, MaxTopPatterns)}
		}
		p.Top = *m.TopPatterns
	}
	if m.MaxLines != nil {
		if *m.MaxLines < MinMaxLines || *m.MaxLines > MaxMaxLines {
			return Patterns{}, &FieldError{Field: "maxLines", Err: fmt.Errorf("%d is outside %d to %d", *m.MaxLines, MinMaxLines, MaxMaxLines)}
		}
		p.MaxLines = *m.MaxLines
	}
	// Pattern counts have no seasonal profile worth fitting within one panel range.
	p.Rate.Seasonality = anomaly.SeasonalityNone
	if m.Sensitivity != nil {
		p.Rate.Sensitivity = *m.Sensitivity
	}
	if err := p.Rate.Validate(); err != nil {
		return Patterns{}, &FieldError{Field: "sensitivity", Err: err}
	}
	var err error
	if p.MinStep, err = parseDuration(m.MinStep, "0s"); err != nil {
		return Patterns{}, &FieldError{Field: "minStep", Err: err}
	}
	return p, nil
}
