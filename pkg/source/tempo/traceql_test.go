package tempo

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
		{query: `{}`},
		{query: `{ status = error }`},
		{query: `{ resource.service.name = "api" && duration > 2s } | select(span.http.status_code)`},
		{query: `{ status = error } | rate() by (resource.service.name)`},
		{query: `{ } | quantile_over_time(duration, .99) by (resource.service.name)`},
		{query: `({ span.a = 1 } && { span.b = 2 }) | count() > 1`},
		{query: `{ .http.url =~ "/api/{id}(/.*)?" }`},                      // brackets inside a string
		{query: `{ .msg = "say \"}\"" }`},                                  // escaped quotes
		{query: "{ .path = `C:\\dir\\` }"},                                 // raw strings: \ is plain text
		{query: "{ span.http.method = \"GET\" }\n  >> { status = error }"}, // structural
		{query: `{ .tags = ["a", "b"] }`},
		{query: ``, wantErr: "the query is empty"},
		{query: " \n\t", wantErr: "the query is empty"},
		{query: `status = error`, wantErr: "must start with a span set selector such as { status = error }; put the conditions between braces", line: 1, col: 1},
		{query: `rate({ status = error })`, wantErr: "a metrics function comes after a pipe, as in { status = error } | rate()", line: 1, col: 1},
		{query: `  ( status = error )`, wantErr: "must start with a span set selector", line: 1, col: 5},
		{query: `| rate()`, wantErr: "must start with a span set selector such as { status = error }", line: 1, col: 1},
		{query: `{ status = error`, wantErr: "the { opened here is not closed: a } is missing", line: 1, col: 1},
		{query: "{ status = error } | rate() by (resource.service.name", wantErr: "the ( opened here is not closed: a ) is missing", line: 1, col: 32},
		{query: `{ status = error }}`, wantErr: "unexpected }: there is no { to close", line: 1, col: 19},
		{query: `{ status = error ) }`, wantErr: ") does not close the { opened at line 1, column 1; a } is expected first", line: 1, col: 18},
		{query: `{ .a = "open }`, wantErr: `the string opened here is not closed: a " is missing`, line: 1, col: 8},
		{query: "{ .a = `raw }", wantErr: "the string opened here is not closed: a ` is missing", line: 1, col: 8},
		{query: "{ .a = \"é\" }\n| rate(]", wantErr: "] does not close the ( opened at line 2, column 7", line: 2, col: 8},
		{query: `({ .a = 1 }`, wantErr: "the ( opened here is not closed", line: 1, col: 1},
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
