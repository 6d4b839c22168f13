package loki

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/prometheus/prometheus/promql/parser"
)

// LogQL's stream selector has PromQL's matcher syntax, so the PromQL parser checks it; the
// pipeline after it (|= "x", | json, ...) is Loki's to check.
var selectorParser = parser.NewParser(parser.Options{})

const selectorExample = `{app="api"}`

// CheckQuery is a light check of a LogQL log query (one that returns lines, not a metric):
// it must start with a stream selector with at least one matcher that rejects the empty
// string, as Loki requires, optionally followed by a pipeline, which is not parsed. Errors
// are *QueryError values with the position of the problem.
func CheckQuery(q string) error {
	i := skipBlank(q, 0)
	if i == len(q) {
		return &QueryError{Msg: "the query is empty; a log query starts with a stream selector such as " + selectorExample}
	}
	if q[i] != '{' {
		msg := "LogQL query must start with a stream selector such as " + selectorExample
		if looksLikeMetricQuery(q[i:]) {
			msg += "; this looks like a metric query, and log patterns need a log query, which returns lines"
		}
		return queryError(q, i, msg)
	}
	j, ok := selectorEnd(q, i)
	if !ok {
		return queryError(q, len(q), "the stream selector is not closed: a } is missing")
	}
	sel := q[i:j]
	if strings.TrimSpace(sel[1:len(sel)-1]) == "" {
		return queryError(q, i, "the stream selector {} has no matcher; name at least one label, such as "+selectorExample)
	}
	matchers, err := selectorParser.ParseMetricSelector(sel)
	if err != nil {
		var errs parser.ParseErrors
		if errors.As(err, &errs) && len(errs) > 0 {
			return queryError(q, i+int(errs[0].PositionRange.Start), errs[0].Err.Error())
		}
		return queryError(q, i, err.Error())
	}
	nonEmpty := false
	for _, m := range matchers {
		// PromQL reads {"x"} as the metric name x; LogQL has no such form.
		if m.Name == "__name__" && !strings.Contains(sel, "__name__") {
			return queryError(q, i, fmt.Sprintf("%q is not a label matcher; write label=\"value\", such as %s", m.Value, selectorExample))
		}
		nonEmpty = nonEmpty || !m.Matches("")
	}
	if !nonEmpty {
		// Loki's own rule and wording (pkg/logql/syntax), so the user meets it here first.
		return queryError(q, i, `queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`)
	}
	k := skipBlank(q, j)
	if k == len(q) {
		return nil
	}
	switch q[k] {
	case '|', '!': // |= |~ |> != !~ !> and | stage
		return nil
	case '[':
		return queryError(q, k, "a range [..] after the selector makes a metric query; log patterns need a log query, which returns lines")
	}
	return queryError(q, k, fmt.Sprintf("unexpected %q after the stream selector; a log query continues with a pipeline such as |= \"error\" or | json", firstToken(q[k:])))
}

// skipBlank skips white space and # comments, which LogQL allows, from i.
func skipBlank(q string, i int) int {
	for i < len(q) {
		switch {
		case q[i] == '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case unicode.IsSpace(rune(q[i])):
			i++
		default:
			return i
		}
	}
	return i
}

// selectorEnd returns the index just past the } closing the selector opened at i, skipping
// over quoted strings, where a } is only text.
func selectorEnd(q string, i int) (int, bool) {
	for i++; i < len(q); i++ {
		switch c := q[i]; c {
		case '}':
			return i + 1, true
		case '"', '\'', '`':
			for i++; i < len(q) && q[i] != c; i++ {
				if q[i] == '\\' && c != '`' {
					i++ // an escaped character, maybe the quote itself
				}
			}
			if i >= len(q) {
				return 0, false
			}
		}
	}
	return 0, false
}

// looksLikeMetricQuery recognises the common metric forms: an aggregation or a function,
// such as sum by (app) (...) or rate({app="x"}[5m]).
func looksLikeMetricQuery(q string) bool {
	return strings.ContainsAny(q, "([")
}

func firstToken(s string) string {
	if i := strings.IndexFunc(s, unicode.IsSpace); i > 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 20 {
		s = string(r[:20]) + "…"
	}
	return s
}

// queryError locates the byte offset off in q as a 1-based line and column (in characters).
func queryError(q string, off int, msg string) *QueryError {
	line, col := 1, 1
	for i, r := range q {
		if i >= off {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &QueryError{Line: line, Column: col, Msg: msg}
}
