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
