package tempo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Tempo writes its answers with gogo/protobuf's jsonpb (modules/frontend/combiner,
// new(jsonpb.Marshaler)), which follows the proto3 JSON mapping:
//
//   - field names are the lowerCamel JSON names of pkg/tempopb/tempo.proto;
//   - 64-bit integers (startTimeUnixNano, durationNanos, inspectedBytes, timestampMs,
//     intValue) are JSON strings, 32-bit ones (durationMs, matched, inspectedTraces) numbers;
//   - NaN and infinite doubles are the strings "NaN", "Infinity" and "-Infinity";
//   - zero values are left out: a sample with value 0 has no "value", an empty result
//     has no "traces" or "series", a complete metrics answer has no "status".
//
// The wire types below read that, and accept a number where a string is expected and the
// reverse, since other encoders of the same messages differ on it.

// wireKeyValue is tempopb.common.v1.KeyValue, OpenTelemetry's attribute.
type wireKeyValue struct {
	Key   string       `json:"key"`
	Value wireAnyValue `json:"value"`
}

// wireAnyValue is OpenTelemetry's AnyValue: exactly one field is set.
type wireAnyValue struct {
	StringValue *string    `json:"stringValue"`
	BoolValue   *bool      `json:"boolValue"`
	IntValue    *flexInt   `json:"intValue"`
	DoubleValue *flexFloat `json:"doubleValue"`
	ArrayValue  *struct {
		Values []wireAnyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []wireKeyValue `json:"values"`
	} `json:"kvlistValue"`
	BytesValue *string `json:"bytesValue"` // base64, as proto3 JSON writes bytes
}

// String renders the value as text: attributes and labels are kept as map[string]string.
func (v wireAnyValue) String() string {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue)
	case v.IntValue != nil:
		return strconv.FormatInt(int64(*v.IntValue), 10)
	case v.DoubleValue != nil:
		return strconv.FormatFloat(float64(*v.DoubleValue), 'g', -1, 64)
	case v.ArrayValue != nil:
		parts := make([]string, len(v.ArrayValue.Values))
		for i, e := range v.ArrayValue.Values {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case v.KvlistValue != nil:
		return "{" + strings.Join(renderKVs(v.KvlistValue.Values), ", ") + "}"
	case v.BytesValue != nil:
		return *v.BytesValue
	}
	return ""
}

func renderKVs(kvs []wireKeyValue) []string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = kv.Key + "=" + kv.Value.String()
	}
	return parts
}

// attributeMap turns a list of attributes into a map; nil when there are none. A key sent
// twice keeps its last value.
func attributeMap(kvs []wireKeyValue) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.String()
	}
	return m
}

var (
	int64Type   = reflect.TypeFor[int64]()
	float64Type = reflect.TypeFor[float64]()
)

// flexInt is an integer written as a JSON number or as a string of digits.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// An *UnmarshalTypeError gets the field's path filled in by encoding/json, which
		// tells the reader where in the answer the bad value is.
		return &json.UnmarshalTypeError{Value: clip(b) + " (not an integer)", Type: int64Type}
	}
	*n = flexInt(v)
	return nil
}

// flexFloat is a double written as a JSON number or as a string, including proto3 JSON's
// "NaN", "Infinity" and "-Infinity".
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	var v float64
	switch s {
	case "NaN":
		v = math.NaN()
	case "Infinity":
		v = math.Inf(1)
	case "-Infinity":
		v = math.Inf(-1)
	default:
		var err error
		if v, err = strconv.ParseFloat(s, 64); err != nil {
			return &json.UnmarshalTypeError{Value: clip(b) + " (not a number)", Type: float64Type}
		}
	}
	*f = flexFloat(v)
	return nil
}

// clip is a JSON value as written, shortened for messages.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// decodeJSON reads a whole answer into v. A malformed answer becomes ErrNotTempo with where
// the problem is: the line and column of a syntax error, or the path of the field whose
// value has the wrong type.
func decodeJSON(path string, body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		if int(se.Offset) >= len(bytes.TrimRight(body, " \t\r\n")) {
			return fmt.Errorf("%w: the JSON answer to GET %s ends early (%d bytes; truncated?): %v", ErrNotTempo, path, len(body), se)
		}
		line, col := position(body, int(se.Offset))
		return fmt.Errorf("%w: malformed JSON in the answer to GET %s at line %d, column %d (near %q): %v", ErrNotTempo, path, line, col, near(body, int(se.Offset)), se)
	case errors.As(err, &te):
		where := te.Field
		if where == "" {
			where = "the top level"
		}
		return fmt.Errorf("%w: unexpected JSON in the answer to GET %s at %s: got %s, want %s", ErrNotTempo, path, where, te.Value, te.Type)
	}
	return fmt.Errorf("%w: malformed JSON in the answer to GET %s: %v", ErrNotTempo, path, err)
}

// position is the 1-based line and column (in bytes) of offset in body. encoding/json
// reports a syntax error's offset just past the offending byte.
func position(body []byte, offset int) (line, col int) {
	offset = min(max(offset-1, 0), len(body))
	line = 1 + bytes.Count(body[:offset], []byte("\n"))
	col = offset - bytes.LastIndexByte(body[:offset], '\n')
	return line, col
}

// near is a short excerpt of body around offset.
func near(body []byte, offset int) string {
	lo, hi := max(offset-20, 0), min(offset+20, len(body))
	return string(body[lo:hi])
}
