package prometheus

import (
	"errors"
	"fmt"

	"github.com/prometheus/prometheus/promql/parser"
)

// ExprError is an invalid PromQL expression, with the position (1-based line and column) of
// the first problem so an editor can point at it.
type ExprError struct {
	Line, Column int
	Msg          string
}

func (e *ExprError) Error() string {
	if e.Line == 0 {
		return "invalid PromQL: " + e.Msg
	}
	return fmt.Sprintf("invalid PromQL at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// The parser accepts experimental syntax: the server, not we, decides whether it is enabled.
var promqlParser = parser.NewParser(parser.Options{
	EnableExperimentalFunctions: true,
	ExperimentalDurationExpr:    true,
})

// CheckExpr verifies that expr parses and can be evaluated by query_range, which needs an
// instant vector or a scalar.
func CheckExpr(expr string) error {
	if expr == "" {
		return &ExprError{Msg: "the expression is empty"}
	}
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		var errs parser.ParseErrors
		if errors.As(err, &errs) && len(errs) > 0 {
			return exprErrorFrom(expr, errs[0])
		}
		return &ExprError{Msg: err.Error()}
	}
	switch t := e.Type(); t {
	case parser.ValueTypeVector, parser.ValueTypeScalar:
		return nil
	case parser.ValueTypeMatrix:
		return &ExprError{Line: 1, Column: 1, Msg: "a range query needs an instant vector or a scalar, and this expression is a range vector (wrap it in a function such as rate())"}
	default:
		return &ExprError{Line: 1, Column: 1, Msg: fmt.Sprintf("a range query needs an instant vector or a scalar, and this expression is a %s", t)}
	}
}

func exprErrorFrom(expr string, pe parser.ParseErr) *ExprError {
	line, col := 1, 1
	for i, r := range expr {
		if i >= int(pe.PositionRange.Start) {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &ExprError{Line: line, Column: col, Msg: pe.Err.Error()}
}
