package httpapi

import (
	"strings"
	"testing"
)

func TestBaseURL(t *testing.T) {
	tests := []struct{ raw, want, err string }{
		{"http://loki:3100/", "http://loki:3100", ""},
		{"https://x.example/prefix", "https://x.example/prefix", ""},
		{"loki:3100", "", `loki URL "loki:3100" must be an absolute http or https URL, e.g. http://loki:3100`},
		{"ftp://x", "", "must be an absolute http or https URL"},
	}
	for _, tt := range tests {
		got, err := BaseURL("loki", tt.raw, "http://loki:3100")
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("BaseURL(%q) = %q, %v; want %q, %q", tt.raw, got, err, tt.want, tt.err)
		}
	}
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{"application/json": true, "application/json; charset=utf-8": true,
		"application/problem+json": true, "text/plain": false, "": false} {
		if IsJSON(ct) != want {
			t.Errorf("IsJSON(%q) = %v", ct, !want)
		}
	}
}

func TestSnippet(t *testing.T) {
	if got := Snippet([]byte("a\n  b\tc"), 10); got != "a b c" {
		t.Errorf("whitespace not folded: %q", got)
	}
	if got := Snippet([]byte("ééééé"), 3); got != "é…" { // é is two bytes: cut before the split one
		t.Errorf("cut inside a character: %q", got)
	}
}

// TestSnippetOfErrorBodies: the shapes Loki and Tempo answer errors in.
func TestSnippetOfErrorBodies(t *testing.T) {
	long := make([]byte, 0, 400)
	for len(long) < 400 {
		long = append(long, "é"...)
	}
	tests := []struct{ in, want string }{
		{"parse error at line 1, col 5:\n\tsyntax error\n", "parse error at line 1, col 5: syntax error"},
		{"", ""},
		{string(long), string(long[:300]) + "…"},
	}
	for _, tc := range tests {
		if got := Snippet([]byte(tc.in), 300); got != tc.want {
			t.Errorf("Snippet(%.20q) = %.40q, want %.40q", tc.in, got, tc.want)
		}
	}
}
