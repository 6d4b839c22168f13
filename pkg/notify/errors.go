package notify

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a target's Retry-After: honouring a garbage value of days would
// silently hold an incident's notifications back far longer than one extra request costs.
const maxRetryAfter = time.Hour

// PermanentError is a failure that retrying cannot fix: the target rejected the request
// (bad payload, bad credentials, unknown endpoint) or the item itself is unusable. The
// deliverer fails such items at once.
type PermanentError struct {
	Err error
}

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying; it returns nil for nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryableError is a transient failure: a 5xx, 408 or 429 response, a network error or a
// timeout. After, when positive, is how long the target asked us to wait (Retry-After).
// Errors of neither kind are treated as retryable too.
type RetryableError struct {
	Err   error
	After time.Duration
}

func (e *RetryableError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
	}
	return e.Err.Error()
}

func (e *RetryableError) Unwrap() error { return e.Err }

// RetryAfter returns the delay a target asked for, if err carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryableError
	if errors.As(err, &r) && r.After > 0 {
		return r.After, true
	}
	return 0, false
}

// StatusError is an HTTP response a target did not accept. URL is already redacted and
// Body already scrubbed of secrets, so the error is safe to log and store.
type StatusError struct {
	Method string
	URL    string
	Code   int
	Body   string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// classifyStatus wraps a non-2xx response as permanent or retryable. 408 and 429 are the
// 4xx codes that mean "not now" rather than "never"; 3xx is permanent because redirects
// are not followed (a POST turned into a GET by a redirect would be lost silently).
func classifyStatus(se *StatusError, h http.Header, now time.Time) error {
	switch {
	case se.Code == http.StatusRequestTimeout, se.Code == http.StatusTooManyRequests, se.Code >= 500:
		after, _ := parseRetryAfter(h.Get("Retry-After"), now)
		return &RetryableError{Err: se, After: after}
	default:
		return &PermanentError{Err: se}
	}
}

// parseRetryAfter reads a Retry-After header, which is either delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). A date in the past means "now": ok with zero delay.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}
