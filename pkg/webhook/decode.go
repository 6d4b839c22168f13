package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

const supported = `supported versions are "1" (Grafana) and "4" (Alertmanager)`

// Parse decodes one Grafana (version "1") or Alertmanager (version "4") webhook body.
// Every problem is returned as an *Error; Parse never returns a partial Notification.
func Parse(body []byte, opts Options) (*Notification, error) {
	doc, err := document(body)
	if err != nil {
		return nil, err
	}
	var top topFields
	if err := eachMember(doc, top.collect); err != nil {
		return nil, err
	}
	n := &Notification{}
	if err := top.version(n); err != nil {
		return nil, err
	}
	if err := top.common(n); err != nil {
		return nil, err
	}
	if n.Format == FormatGrafana {
		if err := top.grafana(n); err != nil {
			return nil, err
		}
	}
	if err := top.alerts(n, opts.maxAlerts()); err != nil {
		return nil, err
	}
	return n, nil
}

// document checks that body is one well-formed JSON object and returns it trimmed.
func document(body []byte) ([]byte, error) {
	doc := trimSpace(body)
	if !valid(doc) {
		if len(doc) == 0 {
			return nil, errorf(topPath(""), "empty")
		}
		// valid says only yes or no; encoding/json's scanner, rerun only for a bad body,
		// says where and why, in the words every Go JSON error uses.
		err := json.Unmarshal(body, new(json.RawMessage))
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, errorf(topPath(""), fmt.Sprintf("invalid JSON at offset %d: %s", syn.Offset, syn.Error()))
		}
		return nil, errorf(topPath(""), "invalid JSON")
	}
	if doc[0] != '{' {
		return nil, errorf(topPath(""), "expected an object, got "+kind(doc))
	}
	return doc, nil
}

// trimSpace removes JSON whitespace (only space, tab, CR and LF) around b.
func trimSpace(b []byte) []byte {
	b = b[skipSpace(b, 0):]
	end := len(b)
	for end > 0 && (b[end-1] == ' ' || b[end-1] == '\t' || b[end-1] == '\n' || b[end-1] == '\r') {
		end--
	}
	return b[:end]
}

// Top-level fields this package reads.
const (
	tVersion = iota
	tReceiver
	tStatus
	tGroupKey
	tGroupLabels
	tCommonLabels
	tCommonAnnotations
	tExternalURL
	tTruncatedAlerts
	tAlerts
	tOrgID
	tTitle
	tMessage
	tState
	numTop
)

var topNames = [numTop]string{
	tVersion: "version", tReceiver: "receiver", tStatus: "status", tGroupKey: "groupKey",
	tGroupLabels: "groupLabels", tCommonLabels: "commonLabels",
	tCommonAnnotations: "commonAnnotations", tExternalURL: "externalURL",
	tTruncatedAlerts: "truncatedAlerts", tAlerts: "alerts", tOrgID: "orgId",
	tTitle: "title", tMessage: "message", tState: "state",
}

func topField(key []byte) int {
	for f, name := range topNames {
		if string(key) == name {
			return f
		}
	}
	return -1
}

// topFields holds the raw value of each known top-level field. The whole object is read
// first because the version, which decides how alerts are read, may come last (Grafana
// puts it after the alerts).
type topFields struct {
	raw [numTop][]byte
	dup [numTop]bool // a repeated key is only an error for a field that gets read
}

func (t *topFields) collect(key, val []byte) error {
	if f := topField(keyBytes(key)); f >= 0 {
		t.dup[f] = t.raw[f] != nil
		t.raw[f] = val
	}
	return nil
}

// get returns field f's value, nil when absent, or an error when the key was repeated.
func (t *topFields) get(f int) ([]byte, path, error) {
	p := topPath(topNames[f])
	if t.dup[f] {
		return nil, p, errorf(p, "duplicate key")
	}
	return t.raw[f], p, nil
}

func (t *topFields) version(n *Notification) error {
	v, p, err := t.get(tVersion)
	switch {
	case err != nil:
		return err
	case v == nil:
		return errorf(p, "missing; "+supported)
	case v[0] != '"':
		return errorf(p, "expected a string, got "+kind(v)+"; "+supported)
	}
	switch s := unquote(v); s {
	case "1":
		n.Format, n.Version = FormatGrafana, s
	case "4":
		n.Format, n.Version = FormatAlertmanager, s
	default:
		return errorf(p, "unsupported version "+quoteShort(s)+"; "+supported)
	}
	return nil
}

// common reads the fields both formats have, except alerts.
func (t *topFields) common(n *Notification) error {
	var truncated int64
	err := firstError(
		t.readStatus(&n.Status),
		t.readString(tReceiver, &n.Receiver),
		t.readString(tGroupKey, &n.GroupKey),
		t.readMap(tGroupLabels, &n.GroupLabels),
		t.readMap(tCommonLabels, &n.CommonLabels),
		t.readMap(tCommonAnnotations, &n.CommonAnnotations),
		t.readString(tExternalURL, &n.ExternalURL),
		t.readInt(tTruncatedAlerts, &truncated),
	)
	if err != nil {
		return err
	}
	if truncated < 0 || truncated > int64(maxInt) {
		return errorf(topPath(topNames[tTruncatedAlerts]), "must be a count, got "+strconv.FormatInt(truncated, 10))
	}
	n.TruncatedAlerts = int(truncated)
	return nil
}

const maxInt = int(^uint(0) >> 1)

// grafana reads the top-level fields only Grafana sends.
func (t *topFields) grafana(n *Notification) error {
	return firstError(
		t.readInt(tOrgID, &n.OrgID),
		t.readString(tTitle, &n.Title),
		t.readString(tMessage, &n.Message),
		t.readString(tState, &n.State),
	)
}

// firstError returns the first non-nil error, so a payload with several problems always
// reports the same one.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *topFields) readStatus(dst *incident.Status) error {
	v, p, err := t.get(tStatus)
	if err == nil {
		*dst, err = status(v, p)
	}
	return err
}

func (t *topFields) readString(f int, dst *string) error {
	v, p, err := t.get(f)
	if err == nil {
		*dst, err = str(v, p)
	}
	return err
}

func (t *topFields) readMap(f int, dst *map[string]string) error {
	v, p, err := t.get(f)
	if err == nil {
		*dst, err = strMap(v, p)
	}
	return err
}

func (t *topFields) readInt(f int, dst *int64) error {
	v, p, err := t.get(f)
	if err == nil {
		*dst, err = integer(v, p)
	}
	return err
}

func (t *topFields) alerts(n *Notification, limit int) error {
	v, p, err := t.get(tAlerts)
	switch {
	case err != nil:
		return err
	case v == nil:
		return errorf(p, "missing")
	case v[0] != '[':
		return errorf(p, "expected an array, got "+kind(v))
	}
	r := alertReader{format: n.Format, externalURL: n.ExternalURL}
	n.Alerts = make([]incident.Alert, 0, min(countHint(v), limit))
	return eachElement(v, func(i int, el []byte) error {
		if i >= limit {
			return errorf(p, fmt.Sprintf("more than %d alerts (Options.MaxAlerts)", limit))
		}
		a, err := r.read(i, el)
		if err != nil {
			return err
		}
		n.Alerts = append(n.Alerts, a)
		return nil
	})
}

// countHint guesses how many alerts array v holds, from its size, to size the slice:
// an alert in either format takes at least a few hundred bytes.
func countHint(v []byte) int { return len(v)/400 + 1 }

// Fields of an alert this package reads.
const (
	aStatus = iota
	aLabels
	aAnnotations
	aStartsAt
	aEndsAt
	aGeneratorURL
	aFingerprint
	aValues // Grafana only
	numAlert
)

var alertNames = [numAlert]string{
	aStatus: "status", aLabels: "labels", aAnnotations: "annotations", aStartsAt: "startsAt",
	aEndsAt: "endsAt", aGeneratorURL: "generatorURL", aFingerprint: "fingerprint", aValues: "values",
}

// alertReader turns alert objects into incident.Alerts for one notification.
type alertReader struct {
	format      string
	externalURL string
	base        *url.URL // externalURL parsed, once it is needed
	baseDone    bool
}

func (r *alertReader) field(key []byte) int {
	for f, name := range alertNames {
		if string(key) == name {
			if f == aValues && r.format != FormatGrafana {
				return -1
			}
			return f
		}
	}
	return -1
}

func (r *alertReader) read(i int, v []byte) (incident.Alert, error) {
	a := incident.Alert{Source: r.format}
	if v[0] != '{' {
		return a, errorf(path{alert: i}, "expected an object, got "+kind(v))
	}
	var seen [numAlert]bool
	err := eachMember(v, func(key, val []byte) error {
		f := r.field(keyBytes(key))
		if f < 0 {
			return nil
		}
		p := path{alert: i, field: alertNames[f]}
		if seen[f] {
			return errorf(p, "duplicate key")
		}
		seen[f] = true
		return r.set(&a, f, val, p)
	})
	if err != nil {
		return a, err
	}
	for _, f := range [...]int{aStatus, aLabels, aStartsAt} {
		if !seen[f] {
			return a, errorf(path{alert: i, field: alertNames[f]}, "missing")
		}
	}
	if a.Fingerprint == "" {
		a.Fingerprint = LabelFingerprint(a.Labels)
	}
	if r.format == FormatGrafana {
		a.GeneratorURL = r.resolve(a.GeneratorURL)
	}
	return a, nil
}

// set decodes field f of alert a from val.
func (r *alertReader) set(a *incident.Alert, f int, val []byte, p path) (err error) {
	switch f {
	case aStatus:
		a.Status, err = status(val, p)
	case aLabels:
		if isNull(val) {
			return errorf(p, "expected an object of strings, got null")
		}
		a.Labels, err = strMap(val, p)
	case aAnnotations:
		a.Annotations, err = strMap(val, p)
	case aStartsAt:
		a.StartsAt, err = timestamp(val, p)
		if err == nil && a.StartsAt.IsZero() {
			err = errorf(p, "must not be the zero time")
		}
	case aEndsAt:
		if !isNull(val) {
			a.EndsAt, err = timestamp(val, p)
		}
	case aGeneratorURL:
		a.GeneratorURL, err = str(val, p)
	case aFingerprint:
		a.Fingerprint, err = str(val, p)
	case aValues:
		a.Values, err = numMap(val, p)
	}
	return err
}

// resolve makes a relative generatorURL, as Grafana 12 sends ("?orgId=1"), absolute
// against externalURL. A URL that is already absolute, or that does not parse, or an
// externalURL that is not absolute, leaves it as sent.
func (r *alertReader) resolve(gen string) string {
	if gen == "" || strings.HasPrefix(gen, "https://") || strings.HasPrefix(gen, "http://") {
		return gen
	}
	if !r.baseDone {
		r.baseDone = true
		if u, err := url.Parse(r.externalURL); err == nil && u.IsAbs() && u.Host != "" {
			r.base = u
		}
	}
	if r.base == nil {
		return gen
	}
	ref, err := url.Parse(gen)
	if err != nil || ref.IsAbs() {
		return gen
	}
	return r.base.ResolveReference(ref).String()
}

// status decodes a required "firing" or "resolved".
func status(v []byte, p path) (incident.Status, error) {
	if v == nil {
		return "", errorf(p, "missing")
	}
	if v[0] != '"' {
		return "", errorf(p, "expected a string, got "+kind(v))
	}
	switch s := incident.Status(unquote(v)); s {
	case incident.Firing, incident.Resolved:
		return s, nil
	default:
		return "", errorf(p, `must be "firing" or "resolved", got `+quoteShort(string(s)))
	}
}

// str decodes an optional string; absent and null give "".
func str(v []byte, p path) (string, error) {
	switch {
	case v == nil || isNull(v):
		return "", nil
	case v[0] != '"':
		return "", errorf(p, "expected a string, got "+kind(v))
	}
	return unquote(v), nil
}

// integer decodes an optional integer; absent and null give 0.
func integer(v []byte, p path) (int64, error) {
	switch {
	case v == nil || isNull(v):
		return 0, nil
	case v[0] == '"' || v[0] == '{' || v[0] == '[' || v[0] == 't' || v[0] == 'f':
		return 0, errorf(p, "expected an integer, got "+kind(v))
	}
	i, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, errorf(p, "expected an integer, got "+quoteShort(string(v)))
	}
	return i, nil
}

// timestamp decodes an RFC 3339 time, in UTC. Go's zero time, which both senders write
// for "no time", gives the zero time.Time.
func timestamp(v []byte, p path) (time.Time, error) {
	if v[0] != '"' {
		return time.Time{}, errorf(p, "expected an RFC 3339 time string, got "+kind(v))
	}
	s := unquote(v)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errorf(p, quoteShort(s)+" is not an RFC 3339 time")
	}
	if t.IsZero() {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// strMap decodes an optional object of strings (labels, annotations); absent and null
// give nil, {} an empty map.
func strMap(v []byte, p path) (map[string]string, error) {
	switch {
	case v == nil || isNull(v):
		return nil, nil
	case v[0] != '{':
		return nil, errorf(p, "expected an object of strings, got "+kind(v))
	}
	m := make(map[string]string, 8)
	err := eachMember(v, func(key, val []byte) error {
		k := unquote(key)
		if val[0] != '"' {
			return &Error{Path: p.member(k), Msg: "expected a string, got " + kind(val)}
		}
		if _, dup := m[k]; dup {
			return &Error{Path: p.member(k), Msg: "duplicate key"}
		}
		m[k] = unquote(val)
		return nil
	})
	return m, err
}

// numMap decodes Grafana's optional values object; absent and null give nil. Grafana
// writes null when a rule has no values.
func numMap(v []byte, p path) (map[string]float64, error) {
	switch {
	case v == nil || isNull(v):
		return nil, nil
	case v[0] != '{':
		return nil, errorf(p, "expected an object of numbers, got "+kind(v))
	}
	m := make(map[string]float64, 4)
	err := eachMember(v, func(key, val []byte) error {
		k := unquote(key)
		if got := kind(val); got != "number" {
			return &Error{Path: p.member(k), Msg: "expected a number, got " + got}
		}
		if _, dup := m[k]; dup {
			return &Error{Path: p.member(k), Msg: "duplicate key"}
		}
		x, err := strconv.ParseFloat(string(val), 64)
		if err != nil { // only a number beyond float64's range gets here
			return &Error{Path: p.member(k), Msg: quoteShort(string(val)) + " is out of range"}
		}
		m[k] = x
		return nil
	})
	return m, err
}
