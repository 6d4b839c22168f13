package patterns

import (
	"strings"
	"unicode/utf8"
)

// Wildcard stands for a variable part of a line in a template, as in Loghub's labels.
const Wildcard = "<*>"

// segmentDelims split a whitespace token into the segments that are masked one by one, so
// that "size=1024," keeps its key: "size=<*>,". Dots, dashes, slashes and underscores are
// not among them: "10.0.0.1", "blk_-42" and "/var/log/x" are one value each.
const segmentDelims = "=:,;()[]{}\"'<>|!"

// tokenize splits a line into whitespace-separated tokens, each with its variable segments
// masked. Lines are cut at maxBytes and at maxTokens tokens (the remainder becomes one
// Wildcard) so hostile input costs bounded time and memory. Invalid UTF-8 and control bytes
// are kept as they are: they are compared byte for byte and never interpreted.
func tokenize(line string, maxBytes, maxTokens int, buf []string) []string {
	if len(line) > maxBytes {
		line = line[:maxBytes]
	}
	toks := buf[:0]
	for i := 0; i < len(line); {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		start := i
		for i < len(line) && !isSpace(line[i]) {
			if q := line[i]; q == '"' && i+1 < len(line) { // a quoted value is one token, spaces and all
				if end := strings.IndexByte(line[i+1:], q); end >= 0 {
					i += end + 1
				}
			}
			i++
		}
		if start == i {
			break
		}
		if len(toks) == maxTokens-1 && maxTokens > 0 {
			toks = append(toks, Wildcard)
			break
		}
		tok := mask(line[start:i])
		if len(toks) > 0 && isValue(toks[len(toks)-1]) && isUnit(tok) {
			continue // "12 KB)" is one value
		}
		toks = append(toks, tok)
	}
	return toks
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// mask replaces the variable segments of one token by Wildcard and keeps the punctuation
// around them, as Loghub's corrected labels write values: "(<*>)", "<*>,", "<*>:<*>".
func mask(tok string) string {
	if strings.IndexByte(tok, ' ') >= 0 { // holds a quoted value: mask it word by word
		words := strings.Split(tok, " ")
		for i, w := range words {
			words[i] = mask(w)
		}
		return strings.Join(words, " ")
	}
	core, lo := trimIndex(tok, wrapping)
	switch {
	case isPath(core), isHexAddress(core):
		return tok[:lo] + Wildcard + tok[lo+len(core):]
	case isAddress(core):
		return tok[:lo] + Wildcard + ":" + Wildcard + tok[lo+len(core):]
	}
	if !hasDelim(tok) {
		if isVariable(tok) {
			return Wildcard
		}
		return tok
	}
	var b strings.Builder
	changed := false
	start := 0
	for i := 0; i <= len(tok); i++ {
		if i < len(tok) && !isDelim[tok[i]] {
			continue
		}
		seg := tok[start:i]
		if seg != "" && isVariable(seg) {
			b.WriteString(Wildcard)
			changed = true
		} else {
			b.WriteString(seg)
		}
		if i < len(tok) {
			b.WriteByte(tok[i])
		}
		start = i + 1
	}
	if !changed {
		return tok
	}
	return b.String()
}

// wrapping is the punctuation that may enclose or follow a value inside a token.
const wrapping = "\"'()[]{}<>,;:!|="

// trimIndex is trim that also says where the kept part starts.
func trimIndex(s, cut string) (string, int) {
	lo := 0
	for lo < len(s) && strings.IndexByte(cut, s[lo]) >= 0 {
		lo++
	}
	hi := len(s)
	for hi > lo && strings.IndexByte(cut, s[hi-1]) >= 0 {
		hi--
	}
	return s[lo:hi], lo
}

// isValue says whether a masked token stands for a value only: wildcards and punctuation.
func isValue(tok string) bool {
	return tok == Wildcard || strings.Contains(tok, Wildcard) && onlyWildcardsAndPunct(tok)
}

// isVariable says whether a segment is a value rather than a word of the message: it holds
// a digit (numbers, ids, addresses, durations, versions, hex), is a path of two or more
// components, or is a boolean or null.
func isVariable(seg string) bool {
	if hasValueDigits(seg) {
		return true
	}
	if isPath(seg) || isHostname(seg) {
		return true
	}
	if len(seg) > 4 {
		return false
	}
	var lower [4]byte
	for i := 0; i < len(seg); i++ {
		lower[i] = seg[i] | 0x20 // ASCII letters only; anything else will not match below
	}
	switch string(lower[:len(seg)]) {
	case "null",
		"mon", "tue", "wed", "thu", "fri", "sat", "sun",
		"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec":
		return true
	}
	return false
}

// isPath matches /a/b and ./a/b style paths and URLs; a lone "/x" is often a word (an
// HTTP route constant), so one component is not enough.
func isPath(seg string) bool {
	if strings.Contains(seg, "://") {
		return true
	}
	if len(seg) < 4 || (seg[0] != '/' && !strings.HasPrefix(seg, "./") && !strings.HasPrefix(seg, "~/")) {
		return false
	}
	return strings.Count(seg, "/") >= 2 && !strings.Contains(seg, "//")
}

func onlyWildcardsAndPunct(s string) bool {
	s = strings.ReplaceAll(s, Wildcard, "")
	for _, r := range s {
		if r == utf8.RuneError || isLetter(r) {
			return false
		}
	}
	return true
}

func isLetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f
}

// hasValueDigits says whether the digits in a segment make it a value: it starts with a
// digit ("42", "0x1f", "10.0.0.1"), holds two or more digits ("user123", "HTTP/1.1"), or
// mixes a digit with punctuation ("blk_-4", "host6.example.com"). A single digit in a
// word or identifier ("SOCKS5", "eth0", "jk2_init") is part of a name.
func hasValueDigits(seg string) bool {
	digits, punct := 0, false
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c >= '0' && c <= '9':
			if i == 0 {
				return true
			}
			digits++
		case c == '.' || c == '-' || c == '/' || c == '+' || c == '#' || c == '@': // not '_': identifiers
			punct = true
		}
	}
	return digits >= 2 || digits == 1 && punct
}

// isUnit matches a unit written after a number ("12 KB", "3 sec"), with the punctuation
// that may close the value.
func isUnit(tok string) bool {
	for len(tok) > 0 && strings.IndexByte(",;:)]}", tok[len(tok)-1]) >= 0 {
		tok = tok[:len(tok)-1]
	}
	switch tok {
	case "B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "kB",
		"ns", "us", "µs", "ms", "s", "sec", "secs", "min", "mins":
		return true
	}
	return false
}

// isAddress matches host:port and ip:port. The host is an IP or a dotted name whose last
// label has two letters or more, so "main.c:42" stays a source position.
func isAddress(tok string) bool {
	i := strings.LastIndexByte(tok, ':')
	if i <= 0 || i == len(tok)-1 || !allDigits(tok[i+1:]) {
		return false
	}
	host := tok[:i]
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 {
		return false
	}
	for _, c := range []byte(host) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return len(host)-dot-1 >= 2 || allDigits(host[dot+1:])
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// isHostname matches lower-case dotted names of three or more labels ("mail.example.com").
// Java packages look the same but are followed by a capitalised class name, which keeps
// them out.
func isHostname(seg string) bool {
	labels := 1
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '.':
			if i == 0 || i == len(seg)-1 || seg[i-1] == '.' {
				return false
			}
			labels++
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
	}
	return labels >= 3
}

// isHexAddress matches IPv6 and MAC addresses: three or more colon-separated hex groups,
// some with a digit ("fe80::1c:aa", "3c:15:c2:bc:0a:ee").
func isHexAddress(tok string) bool {
	if strings.Count(tok, ":") < 2 {
		return false
	}
	parts := strings.Split(tok, ":")
	digit := false
	for _, p := range parts {
		if len(p) > 4 {
			return false
		}
		for _, c := range []byte(p) {
			switch {
			case c >= '0' && c <= '9':
				digit = true
			case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			default:
				return false
			}
		}
	}
	return digit
}

var isDelim = func() (t [256]bool) {
	for i := 0; i < len(segmentDelims); i++ {
		t[segmentDelims[i]] = true
	}
	return t
}()

func hasDelim(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDelim[s[i]] {
			return true
		}
	}
	return false
}

// trim strips the bytes of cut from both ends of s (strings.Trim without building a set
// on every call: it runs once per token).
func trim(s, cut string) string {
	for len(s) > 0 && strings.IndexByte(cut, s[0]) >= 0 {
		s = s[1:]
	}
	for len(s) > 0 && strings.IndexByte(cut, s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	return s
}
