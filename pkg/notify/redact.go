package notify

import (
	"net/url"
	"strings"
)

// redacted replaces a secret wherever it shows up in text we keep.
const redacted = "<redacted>"

// redactURL shows where a request went without what authorises it: Slack incoming
// webhooks and many generic webhooks carry their secret in the path or the query, and
// userinfo is a password. Only scheme and host survive.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<invalid URL>"
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		s += "/…"
	}
	return s
}

// redactUserinfo keeps the path, for URLs whose path is ours and not secret (Grafana's
// API), and drops userinfo and query.
func redactUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<invalid URL>"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// minSecretLen keeps the scrubber from mangling text over a trivially short value (a
// header set to "1" is not a secret worth replacing every "1" for).
const minSecretLen = 6

// scrubber removes known secrets from text a target sent back or an error we did not
// build. It is defence in depth: messages are built from redacted parts in the first
// place, but a server may echo the request, its URL or a header.
type scrubber struct {
	r *strings.Replacer
}

func newScrubber(secrets ...string) scrubber {
	var pairs []string
	seen := map[string]bool{}
	for _, s := range secrets {
		for _, v := range secretForms(s) {
			if len(v) >= minSecretLen && !seen[v] {
				seen[v] = true
				pairs = append(pairs, v, redacted)
			}
		}
	}
	if len(pairs) == 0 {
		return scrubber{}
	}
	// strings.Replacer prefers the earliest listed match at a position; list longer
	// forms first so a whole URL is replaced rather than just its token.
	sortPairsByLength(pairs)
	return scrubber{r: strings.NewReplacer(pairs...)}
}

// secretForms lists the shapes in which a secret may come back: whole, each
// space-separated word (the token of "Bearer <token>"), and for URLs the path, query and
// long path segments (Slack's token is the last segment).
func secretForms(s string) []string {
	forms := []string{s}
	forms = append(forms, strings.Fields(s)...)
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		forms = append(forms, u.Path, u.RawQuery, url.PathEscape(u.Path))
		for seg := range strings.SplitSeq(u.Path, "/") {
			forms = append(forms, seg)
		}
		if p, ok := u.User.Password(); ok {
			forms = append(forms, p)
		}
	}
	return forms
}

func sortPairsByLength(pairs []string) {
	// Insertion sort on (old, new) pairs: the lists are a handful long.
	for i := 2; i < len(pairs); i += 2 {
		for j := i; j >= 2 && len(pairs[j]) > len(pairs[j-2]); j -= 2 {
			pairs[j], pairs[j-2] = pairs[j-2], pairs[j]
			pairs[j+1], pairs[j-1] = pairs[j-1], pairs[j+1]
		}
	}
}

func (s scrubber) scrub(text string) string {
	if s.r == nil {
		return text
	}
	return s.r.Replace(text)
}
