// Package seriesio reads and writes time series as CSV files of timestamp,value lines, and
// writes the anomaly model's judgement of a series as CSV.
package seriesio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Layout is a family of timestamp notations. The reader reports the one the input used so
// the writer can answer in kind: output then lines up with the input it came from.
type Layout int

// The timestamp notations the reader accepts. The zero value is RFC 3339, the most portable
// choice when nothing was read.
const (
	// LayoutRFC3339 is RFC 3339 ("2014-04-01T00:00:00Z"), with or without fractional seconds
	// or zone (no zone means UTC). Written in UTC, with milliseconds only when non-zero.
	LayoutRFC3339 Layout = iota
	// LayoutUnix is Unix seconds, integer or decimal ("1396310400", "1396310400.25").
	// Written as an integer, with a decimal fraction only when there are milliseconds.
	LayoutUnix
	// LayoutDateTime is "YYYY-MM-DD HH:MM:SS" in UTC, optionally with fractional seconds: the
	// notation of the NAB corpus. Written the same way.
	LayoutDateTime
)

const (
	dateTimeLayout      = "2006-01-02 15:04:05"
	rfc3339NoZoneLayout = "2006-01-02T15:04:05"
	// maxUnixSeconds is the end of year 9999: larger "seconds" are almost certainly
	// milliseconds, and could not be written back in the other layouts anyway.
	maxUnixSeconds = 253402300799
)

// String names the layout as the documentation does.
func (l Layout) String() string {
	switch l {
	case LayoutRFC3339:
		return "RFC 3339"
	case LayoutUnix:
		return "Unix seconds"
	case LayoutDateTime:
		return "YYYY-MM-DD HH:MM:SS"
	}
	return "Layout(" + strconv.Itoa(int(l)) + ")"
}

// AppendFormat appends the Unix-millisecond timestamp ms, written in layout l, to b.
func (l Layout) AppendFormat(b []byte, ms int64) []byte {
	switch l {
	case LayoutUnix:
		if ms < 0 {
			// Sign and magnitude, so -1500 ms is "-1.5", not floor-divided into "-2.5".
			b = append(b, '-')
			ms = -ms
		}
		b = strconv.AppendInt(b, ms/1000, 10)
		if frac := ms % 1000; frac != 0 {
			digits := strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
			b = append(b, '.')
			b = append(b, digits...)
		}
		return b
	case LayoutDateTime:
		return time.UnixMilli(ms).UTC().AppendFormat(b, dateTimeLayout+".999")
	}
	return time.UnixMilli(ms).UTC().AppendFormat(b, time.RFC3339Nano)
}

// Format is AppendFormat into a new string.
func (l Layout) Format(ms int64) string { return string(l.AppendFormat(nil, ms)) }

// errTimestamp is the complaint about a timestamp that fits no layout.
var errTimestamp = errors.New(`is not Unix seconds, RFC 3339 or "YYYY-MM-DD HH:MM:SS"`)

// ParseTimestamp reads a timestamp in any of the layouts, returning Unix milliseconds
// (sub-millisecond digits are dropped) and the layout it was written in.
func ParseTimestamp(s string) (int64, Layout, error) {
	if looksUnix(s) {
		ms, err := parseUnixSeconds(s)
		if err != nil {
			return 0, 0, fmt.Errorf("timestamp %q %w", s, err)
		}
		return ms, LayoutUnix, nil
	}
	if strings.ContainsAny(s, "Tt") {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UnixMilli(), LayoutRFC3339, nil
		}
		// time.Parse takes fractional seconds even when the layout has none.
		if t, err := time.ParseInLocation(rfc3339NoZoneLayout, s, time.UTC); err == nil {
			return t.UnixMilli(), LayoutRFC3339, nil
		}
	} else if t, err := time.ParseInLocation(dateTimeLayout, s, time.UTC); err == nil {
		return t.UnixMilli(), LayoutDateTime, nil
	}
	return 0, 0, fmt.Errorf("timestamp %q %w", s, errTimestamp)
}

// looksUnix reports whether s has the shape of decimal seconds: an optional minus sign,
// digits, and optionally a point followed by more digits. Checking the shape first keeps
// strconv from accepting "1e9", "Inf" or hex as times.
func looksUnix(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasPoint || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseUnixSeconds converts decimal seconds exactly (no float rounding) to milliseconds.
func parseUnixSeconds(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || sec > maxUnixSeconds {
		return 0, errors.New("is after year 9999 as Unix seconds (milliseconds?)")
	}
	frac = (frac + "000")[:3]
	ms, _ := strconv.ParseInt(frac, 10, 64) // three digits, checked by looksUnix
	ms += sec * 1000
	if neg {
		ms = -ms
	}
	return ms, nil
}
