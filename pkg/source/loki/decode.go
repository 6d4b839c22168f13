package loki

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The answers are read token by token as they stream in, never as a whole body: only the
// entries themselves are kept. What one answer can hold is still bounded by the request
// (at most limit entries, or the answer is refused) times Loki's max_line_size (256KB by
// default); lines are kept whole, as Loki sent them, since patterns need the full text.

// page is one decoded query_range answer.
type page struct {
	entries  []keyedEntry
	warnings []string
}

// keyedEntry is an entry with what ordering needs at hand.
type keyedEntry struct {
	Entry
	ns  int64
	key string // the stream's labels in canonical form: orders entries of equal time
}

// errFormat marks an answer that is not shaped as Loki's; decode errors are wrapped in it
// so callers see ErrNotLoki.
type errFormat struct{ msg string }

func (e *errFormat) Error() string { return e.msg }

func formatErr(format string, args ...any) error {
	return &errFormat{msg: fmt.Sprintf(format, args...)}
}

// metricAnswerError is a metric query sent where lines are expected.
func metricAnswerError(resultType string) error {
	return fmt.Errorf("the query is a metric query (Loki answered a %s): log patterns need a log query such as {app=\"api\"} |= \"error\"", resultType)
}

// decodeStreams reads a query_range answer for the window [lo, hi) asked with limit:
//
//	{"status":"success","warnings":[..],"data":{"resultType":"streams","result":[
//	  {"stream":{"app":"x"},"values":[["<unix ns>","line"],["<unix ns>","line",{metadata}]]}],
//	  "stats":{..}}}
//
// (docs/sources/reference/loki-http-api.md). Loki 3 adds the top-level "warnings"
// (pkg/util/marshal, EncodeResult) and may add a third element to a value: the entry's
// structured metadata as a flat object (pkg/loghttp/entry.go), or, when the client sends
// the categorize-labels encoding flag, {"structuredMetadata":{..},"parsed":{..}}
// (pkg/util/marshal/query.go). Either is skipped, as is anything else we do not use. Entries outside the window, or more than limit,
// are refused: a server that does so would make paging go round in circles.
func decodeStreams(r io.Reader, lo, hi int64, limit int) (*page, error) {
	dec := json.NewDecoder(r)
	p := &page{}
	var status, resultType string
	err := readObject(dec, func(field string) error {
		switch field {
		case "status":
			return dec.Decode(&status)
		case "warnings":
			return dec.Decode(&p.warnings)
		case "data":
			return readObject(dec, func(field string) error {
				switch field {
				case "resultType":
					if err := dec.Decode(&resultType); err != nil {
						return err
					}
					if resultType != "streams" {
						return metricAnswerError(resultType)
					}
					return nil
				case "result":
					return readArray(dec, func() error { return p.readStream(dec, lo, hi, limit) })
				default: // "stats" and future fields
					return skipValue(dec)
				}
			})
		default:
			return skipValue(dec)
		}
	})
	if err != nil {
		return nil, decodeError(err)
	}
	if status != "success" {
		return nil, fmt.Errorf("%w: the answer has no \"status\": \"success\"", ErrNotLoki)
	}
	return p, nil
}

// decodeError sorts a decoding failure: a malformed or foreign answer is ErrNotLoki; a
// metric answer or an I/O failure (cancellation included) is returned as it is.
func decodeError(err error) error {
	var fe *errFormat
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &fe), errors.As(err, &se), errors.As(err, &te):
		return fmt.Errorf("%w: malformed answer: %v", ErrNotLoki, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the answer ends before the JSON does (truncated?)", ErrNotLoki)
	}
	return err
}

// readStream reads one {"stream":{..},"values":[..]} object.
func (p *page) readStream(dec *json.Decoder, lo, hi int64, limit int) error {
	first := len(p.entries)
	var labels map[string]string
	err := readObject(dec, func(field string) error {
		switch field {
		case "stream":
			return dec.Decode(&labels)
		case "values":
			return readArray(dec, func() error {
				if len(p.entries) == limit {
					return formatErr("Loki answered more than the %d entries asked for", limit)
				}
				e, err := readValue(dec)
				if err != nil {
					return err
				}
				if e.ns < lo || e.ns >= hi {
					return formatErr("entry at %s is outside the requested range [%s, %s)", fmtTime(e.ns), fmtTime(lo), fmtTime(hi))
				}
				p.entries = append(p.entries, e)
				return nil
			})
		case "metric": // a matrix or vector answer whose resultType came after its result
			return metricAnswerError("matrix")
		default:
			return skipValue(dec)
		}
	})
	if err != nil {
		return err
	}
	if labels == nil {
		labels = map[string]string{}
	}
	// "stream" may follow "values" in the object, so labels are attached afterwards. The
	// entries of one stream share its map.
	key := labelsKey(labels)
	for i := first; i < len(p.entries); i++ {
		p.entries[i].Stream, p.entries[i].key = labels, key
	}
	return nil
}

// readValue reads one ["<unix ns>", "line"] or ["<unix ns>", "line", {metadata}] array.
func readValue(dec *json.Decoder) (keyedEntry, error) {
	var e keyedEntry
	if err := expectDelim(dec, '['); err != nil {
		return e, err
	}
	tok, err := dec.Token()
	if err != nil {
		return e, err
	}
	ts, ok := tok.(string)
	if !ok {
		return e, formatErr("entry timestamp %v is not a string of Unix nanoseconds", tok)
	}
	if e.ns, err = strconv.ParseInt(ts, 10, 64); err != nil {
		return e, formatErr("entry timestamp %q is not Unix nanoseconds", ts)
	}
	if tok, err = dec.Token(); err != nil {
		return e, err
	}
	if e.Line, ok = tok.(string); !ok {
		return e, formatErr("entry line %v is not a string", tok)
	}
	for dec.More() { // structured metadata (Loki 3), and whatever may follow it one day
		if err := skipValue(dec); err != nil {
			return e, err
		}
	}
	e.Time = time.Unix(0, e.ns).UTC()
	return e, expectDelim(dec, ']')
}

// labelsKey is a canonical rendering of a label set: {a="1", b="2"}.
func labelsKey(l map[string]string) string {
	names := make([]string, 0, len(l))
	for n := range l {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(l[n]))
	}
	b.WriteByte('}')
	return b.String()
}

// readObject reads a JSON object, calling fn with each key; fn must consume the value.
// null reads as an empty object.
func readObject(dec *json.Decoder, fn func(field string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('{') {
		return formatErr("found %v where an object was expected", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if err := fn(tok.(string)); err != nil { // object keys are always strings
			return err
		}
	}
	return expectDelim(dec, '}')
}

// readArray reads a JSON array, calling fn for each element; fn must consume it. null
// reads as an empty array.
func readArray(dec *json.Decoder, fn func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return formatErr("found %v where an array was expected", tok)
	}
	for dec.More() {
		if err := fn(); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return formatErr("found %v where %q was expected", tok, want)
	}
	return nil
}

// skipValue consumes one value of any kind without keeping it.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
