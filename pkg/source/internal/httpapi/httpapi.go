// Package httpapi holds what the clients of Prometheus, Loki and Tempo share about talking
// to an HTTP API: the base URL check, recognising JSON answers and quoting error bodies.
package httpapi

import (
	"fmt"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"
)

// BaseURL checks that raw is an absolute http or https URL and returns it without a
// trailing slash, so paths can be appended. what names the server in the error, example
// shows a correct value (may be empty).
func BaseURL(what, raw, example string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		msg := fmt.Sprintf("%s URL %q must be an absolute http or https URL", what, raw)
		if example != "" {
			msg += ", e.g. " + example
		}
		return "", fmt.Errorf("%s", msg)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// IsJSON says whether a Content-Type header announces JSON (application/json or +json).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Snippet is a single-line excerpt of a body for messages, at most max bytes (plus "…"),
// cut on a character boundary.
func Snippet(b []byte, max int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}
