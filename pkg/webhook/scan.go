package webhook

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// This file is a minimal reader for JSON that json.Valid has already accepted. Knowing the
// input is well formed keeps it short: it only finds where values begin and end, so the
// decoder can check every field's type itself and name the exact path of a bad one, which
// encoding/json's errors cannot (they drop array indexes and map keys).
//
// Every function takes a "value": a slice holding exactly one JSON value, without
// surrounding whitespace.

// kind names a value's JSON type for error messages.
func kind(v []byte) string {
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func isNull(v []byte) bool { return v[0] == 'n' }

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"'. It jumps from
// quote to quote with the vectorised bytes.IndexByte, as strings are most of a payload.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		// The quote ends the string unless an odd number of backslashes escapes it.
		backslashes := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i + 1
		}
		i++
	}
	return len(b)
}

// valueEnd returns the index just past the value starting at b[i]. It does not recurse,
// so nesting depth costs nothing beyond what json.Valid already allowed.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false or null
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return len(b)
	}
}

// eachMember calls fn with each member of object v: its key, still quoted, and its value.
// It stops at the first error fn returns.
func eachMember(v []byte, fn func(key, val []byte) error) error {
	i := skipSpace(v, 1)
	if i >= len(v) || v[i] == '}' {
		return nil
	}
	for i < len(v) {
		keyEnd := stringEnd(v, i)
		key := v[i:keyEnd]
		i = skipSpace(v, skipSpace(v, keyEnd)+1) // past the ':'
		end := valueEnd(v, i)
		if err := fn(key, v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if i >= len(v) || v[i] == '}' {
			return nil
		}
		i = skipSpace(v, i+1) // past the ','
	}
	return nil
}

// eachElement calls fn with the index and value of each element of array v.
func eachElement(v []byte, fn func(i int, val []byte) error) error {
	i := skipSpace(v, 1)
	if i >= len(v) || v[i] == ']' {
		return nil
	}
	for n := 0; i < len(v); n++ {
		end := valueEnd(v, i)
		if err := fn(n, v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if i >= len(v) || v[i] == ']' {
			return nil
		}
		i = skipSpace(v, i+1)
	}
	return nil
}

// unquote returns the text of string value q. Strings without escapes and with valid
// UTF-8 (nearly all of them) are copied directly; the rest go through encoding/json so
// escapes, surrogate pairs and invalid UTF-8 (replaced by U+FFFD) behave exactly as in
// every other Go JSON consumer.
func unquote(q []byte) string {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return string(inner) // unreachable for input json.Valid accepted
	}
	return s
}

// keyBytes returns the text of quoted key q without allocating in the common case, for
// comparison with the known field names.
func keyBytes(q []byte) []byte {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	return []byte(unquote(q))
}
