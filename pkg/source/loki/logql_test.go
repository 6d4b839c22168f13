package loki

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckQuery(t *testing.T) {
	tests := []struct {
		query     string
		wantErr   string
		line, col int
	}{
		{query: `{app="api"}`},
		{query: `{app="api", env=~"prod|staging"} |= "error" | json | level="error"`},
		{query: `  {app="api"} != "health" |~ "time(out)?"`},
		{query: "# errors of the api\n{app=\"api\"}\n  | logfmt # parsed\n  | line_format \"{{.msg}}\""},
		{query: `{app="a}b"} |= "x"`},       // a } inside a string
		{query: `{app=~".+"}`},              // matches only non-empty values
		{query: `{app!=""}`},                // rejects the empty value
		{query: "{app=`raw\\d`}"},           // raw strings
		{query: `{msg="say \"}\""} | json`}, // escaped quotes
		{query: ``, wantErr: "the query is empty"},
		{query: "  \n ", wantErr: "the query is empty"},
		{query: `app="api"`, wantErr: `must start with a stream selector such as {app="api"}`, line: 1, col: 1},
		{query: `|= "error"`, wantErr: "must start with a stream selector", line: 1, col: 1},
		{query: `rate({app="api"}[5m])`, wantErr: "looks like a metric query", line: 1, col: 1},
		{query: `sum by (app) (count_over_time({app="api"}[1m]))`, wantErr: "looks like a metric query"},
		{query: `{app="api"}[5m]`, wantErr: "makes a metric query", line: 1, col: 12},
		{query: `{}`, wantErr: "has no matcher", line: 1, col: 1},
		{query: `{ }`, wantErr: "has no matcher"},
		{query: `{app="api"`, wantErr: "not closed", line: 1, col: 11},
		{query: `{app="api}`, wantErr: "not closed"},
		{query: "{app=\"api\",\n job}", wantErr: "expected label matching operator", line: 2, col: 5},
		{query: `{app=api}`, wantErr: "expected string", line: 1, col: 6},
		{query: `{app="a" job="b"}`, wantErr: `expected "," or "}"`, line: 1, col: 10},
		{query: `{app=~"(api"}`, wantErr: "missing closing )"},
		{query: `{"api"}`, wantErr: `"api" is not a label matcher`},
		{query: `{app=~".*"}`, wantErr: "at least one regexp or equality matcher that does not have an empty-compatible value"},
		{query: `{app!="api", env!~"dev"}`, wantErr: "empty-compatible value"},
		{query: `{app="api"} error`, wantErr: `unexpected "error" after the stream selector`, line: 1, col: 13},
		{query: `{app="api"} or {app="web"}`, wantErr: `unexpected "or"`},
		{query: "{app=\"é\"}\n  è", wantErr: `unexpected "è"`, line: 2, col: 3},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			err := CheckQuery(tc.query)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *QueryError", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
			if tc.line != 0 && (qe.Line != tc.line || qe.Column != tc.col) {
				t.Errorf("position %d:%d, want %d:%d", qe.Line, qe.Column, tc.line, tc.col)
			}
		})
	}
}
