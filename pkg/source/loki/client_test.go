package loki

import (
	"net/http"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	for _, u := range []string{"", "loki:3100", "ftp://loki", "http://", "://x"} {
		if _, err := New(u, http.DefaultClient, Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	c, err := New("https://logs.example.com/", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != "https://logs.example.com" || c.http != http.DefaultClient ||
		c.opts.MaxEntriesPerRequest != 5000 || c.opts.SplitInterval != time.Hour {
		t.Errorf("client %+v", c)
	}
}

func TestSnippet(t *testing.T) {
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
		if got := snippet([]byte(tc.in)); got != tc.want {
			t.Errorf("snippet(%.20q) = %.40q, want %.40q", tc.in, got, tc.want)
		}
	}
}
