package webhook

import (
	"strconv"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// Formats a Notification can have; each alert's Source is its notification's Format.
const (
	FormatGrafana      = "grafana"      // payload version "1"
	FormatAlertmanager = "alertmanager" // payload version "4"
)

// DefaultMaxAlerts is the alert limit when Options.MaxAlerts is not set. Alertmanager
// groups rarely hold more than a few hundred alerts; the limit bounds the memory one
// request can make the receiver allocate.
const DefaultMaxAlerts = 10000

// Options tunes Parse.
type Options struct {
	// MaxAlerts is the most alerts one notification may carry; more is an error. Zero or
	// less means DefaultMaxAlerts.
	MaxAlerts int
}

func (o Options) maxAlerts() int {
	if o.MaxAlerts <= 0 {
		return DefaultMaxAlerts
	}
	return o.MaxAlerts
}

// Notification is one webhook request: a group of alerts and what the sender said about
// the group.
type Notification struct {
	Format   string // FormatGrafana or FormatAlertmanager
	Version  string // the payload's "version": "1" or "4"
	Receiver string // the sender's name for the contact point or receiver
	// Status is the group's status: firing when any of its alerts fires. Each alert has
	// its own.
	Status            incident.Status
	GroupKey          string // Alertmanager's routing group; a synthetic key for Grafana test notifications
	GroupLabels       map[string]string
	CommonLabels      map[string]string
	CommonAnnotations map[string]string
	ExternalURL       string // the sender's own address
	// Grafana only; zero or empty for Alertmanager.
	OrgID   int64
	Title   string
	Message string
	State   string // "alerting" or "ok"
	// TruncatedAlerts is how many alerts the sender left out because of its max_alerts
	// setting: the group is bigger than Alerts.
	TruncatedAlerts int
	Alerts          []incident.Alert
}

// Error is a payload problem, with the path of the offending value: "body" for the
// request as a whole, otherwise field names and indexes such as alerts[1].labels.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// LabelFingerprint is Alertmanager's fingerprint of a label set, as 16 hex digits: what
// Alertmanager itself puts in an alert's fingerprint field. Parse uses it only for alerts
// that arrive without one.
func LabelFingerprint(labels map[string]string) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// path names where a value sits in the payload. It is kept as an index and a field name
// and only turned into a string for an error, so the success path builds no strings.
type path struct {
	alert int    // index in alerts, or -1 outside them
	field string // "" for the alert (or, outside alerts, the body) itself
}

func topPath(field string) path { return path{alert: -1, field: field} }

func (p path) String() string {
	if p.alert < 0 {
		if p.field == "" {
			return "body"
		}
		return p.field
	}
	s := "alerts[" + strconv.Itoa(p.alert) + "]"
	if p.field != "" {
		s += "." + p.field
	}
	return s
}

// member is the path of key k inside the object at p: .k when k is an identifier (as
// label names are), otherwise ["k"] quoted, so any key reads back unambiguously.
func (p path) member(k string) string {
	if isIdent(k) {
		return p.String() + "." + k
	}
	return p.String() + "[" + strconv.Quote(k) + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		letter := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// errorf returns an *Error at p.
func errorf(p path, msg string) error { return &Error{Path: p.String(), Msg: msg} }

// quoteShort quotes a sender's value for an error message, cut short so that a huge
// value does not make a huge error.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:limit]) + "..."
}
