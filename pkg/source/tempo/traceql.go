package tempo

import (
	"fmt"
	"strings"
	"unicode"
)

const selectorExample = "{ status = error }"

// CheckQuery is a light check of a TraceQL query, search or metrics, to catch common
// mistakes before a round trip: the query must not be empty, must start with a span set
// selector (optionally inside parentheses, as in ({ .a } && { .b })), and its braces,
// parentheses, brackets and strings must be balanced. It does not parse the language:
// Tempo does, and its 400 message comes back as an *APIError. Errors are *QueryError
// values with the position of the problem.
func CheckQuery(q string) error {
	i := skipSpace(q, 0)
	if i == len(q) {
		return &QueryError{Msg: "the query is empty; a TraceQL query starts with a span set selector such as " + selectorExample}
	}
	j := i
	for j < len(q) && (q[j] == '(' || isSpace(q[j])) {
		j++
	}
	if j == len(q) || q[j] != '{' {
		return queryError(q, j, startHint(q[i:]))
	}
	return checkBalance(q)
}

// startHint explains a query that does not start with a span set selector.
func startHint(q string) string {
	msg := "a TraceQL query must start with a span set selector such as " + selectorExample
	word := firstWord(q)
	if k := strings.IndexByte(word, '('); k > 0 && isMetricsFunction(word[:k]) {
		return msg + "; a metrics function comes after a pipe, as in " + selectorExample + " | " + word[:k] + "()"
	}
	if strings.ContainsAny(q, "=<>~") {
		return msg + "; put the conditions between braces, as in " + selectorExample
	}
	return msg
}

func isMetricsFunction(name string) bool {
	switch name {
	case "rate", "count_over_time", "sum_over_time", "min_over_time", "max_over_time", "avg_over_time",
		"quantile_over_time", "histogram_over_time", "compare", "topk", "bottomk":
		return true
	}
	return false
}

// opener is an unclosed (, [ or { and where it is.
type opener struct {
	c   byte
	off int
}

// checkBalance checks that brackets pair up and strings end, skipping over the contents of
// strings, where a bracket is only text. TraceQL strings are "..." with \ escapes, or
// `...` without.
func checkBalance(q string) error {
	var open []opener
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '(', '[', '{':
			open = append(open, opener{c, i})
		case ')', ']', '}':
			if len(open) == 0 {
				return queryError(q, i, fmt.Sprintf("unexpected %c: there is no %c to close", c, pairOf(c)))
			}
			top := open[len(open)-1]
			if pairOf(top.c) != c {
				line, col := lineCol(q, top.off)
				return queryError(q, i, fmt.Sprintf("%c does not close the %c opened at line %d, column %d; a %c is expected first", c, top.c, line, col, pairOf(top.c)))
			}
			open = open[:len(open)-1]
		case '"', '`':
			end := stringEnd(q, i)
			if end < 0 {
				return queryError(q, i, fmt.Sprintf("the string opened here is not closed: a %c is missing", c))
			}
			i = end
		}
	}
	if len(open) > 0 {
		top := open[len(open)-1]
		return queryError(q, top.off, fmt.Sprintf("the %c opened here is not closed: a %c is missing", top.c, pairOf(top.c)))
	}
	return nil
}

// stringEnd is the index of the quote closing the string opened at i, or -1.
func stringEnd(q string, i int) int {
	quote := q[i]
	for i++; i < len(q); i++ {
		switch {
		case q[i] == '\\' && quote == '"':
			i++ // an escaped character, maybe the quote itself
		case q[i] == quote:
			return i
		}
	}
	return -1
}

func pairOf(c byte) byte {
	switch c {
	case '(':
		return ')'
	case ')':
		return '('
	case '[':
		return ']'
	case ']':
		return '['
	case '{':
		return '}'
	}
	return '{'
}

func skipSpace(q string, i int) int {
	for i < len(q) && isSpace(q[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// firstWord is q up to the first space, at most 20 characters.
func firstWord(q string) string {
	if i := strings.IndexFunc(q, unicode.IsSpace); i > 0 {
		q = q[:i]
	}
	if r := []rune(q); len(r) > 20 {
		q = string(r[:20])
	}
	return q
}

// queryError locates the byte offset off in q as a 1-based line and column.
func queryError(q string, off int, msg string) *QueryError {
	line, col := lineCol(q, off)
	return &QueryError{Line: line, Column: col, Msg: msg}
}

// lineCol is the 1-based line and column, in characters, of the byte offset off in q.
func lineCol(q string, off int) (line, col int) {
	line, col = 1, 1
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
	return line, col
}
