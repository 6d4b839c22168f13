package evidence

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Data-source types as Grafana names them.
const (
	TypePrometheus = "prometheus"
	TypeLoki       = "loki"
	TypeTempo      = "tempo"
)

// ExploreTarget is one query to open in Grafana's Explore.
type ExploreTarget struct {
	// Type is the data source's plugin type: TypePrometheus, TypeLoki or TypeTempo.
	Type string
	// UID is the data source's UID in that Grafana; empty names the source by type only,
	// and Explore then opens the query in its default data source.
	UID string
	// Expr is the PromQL, LogQL or TraceQL to run.
	Expr string
}

// explorePane is one pane of Explore's URL state (Grafana 10 and later, schemaVersion 1):
// the data source, its queries and an absolute range in epoch milliseconds, written as
// strings as Explore writes them itself.
type explorePane struct {
	Datasource string         `json:"datasource,omitempty"`
	Queries    []exploreQuery `json:"queries"`
	Range      exploreRange   `json:"range"`
}

type exploreRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// exploreQuery holds the fields each data source reads: Prometheus and Loki an expr, Tempo
// a TraceQL query with queryType traceql.
type exploreQuery struct {
	RefID      string        `json:"refId"`
	Datasource datasourceRef `json:"datasource"`
	Expr       string        `json:"expr,omitempty"`
	Query      string        `json:"query,omitempty"`
	QueryType  string        `json:"queryType,omitempty"`
	Range      bool          `json:"range,omitempty"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid,omitempty"`
}

// ExploreURL returns the link that opens t over [from, to] in the Explore page of the
// Grafana at grafanaURL, in the form Grafana itself writes:
// /explore?schemaVersion=1&panes={"rca":{"datasource":..,"queries":[..],"range":{..}}}.
// It returns "" when grafanaURL is empty: there is nothing to link to.
func ExploreURL(grafanaURL string, t ExploreTarget, from, to time.Time) string {
	if grafanaURL == "" {
		return ""
	}
	q := exploreQuery{RefID: "A", Datasource: datasourceRef{Type: t.Type, UID: t.UID}}
	switch t.Type {
	case TypeTempo:
		q.Query, q.QueryType = t.Expr, "traceql"
	case TypeLoki:
		q.Expr, q.QueryType = t.Expr, "range"
	default:
		q.Expr, q.Range = t.Expr, true
	}
	pane := explorePane{
		Datasource: t.UID,
		Queries:    []exploreQuery{q},
		Range:      exploreRange{From: strconv.FormatInt(from.UnixMilli(), 10), To: strconv.FormatInt(to.UnixMilli(), 10)},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // && in TraceQL stays readable once decoded
	if err := enc.Encode(map[string]explorePane{"rca": pane}); err != nil {
		return "" // cannot happen: the pane holds only strings
	}
	panes := strings.TrimSuffix(b.String(), "\n")
	return strings.TrimRight(grafanaURL, "/") + "/explore?schemaVersion=1&panes=" + url.QueryEscape(panes)
}

// explorer builds the links of one gatherer's evidence.
type explorer struct {
	grafana string
}

func (e explorer) link(t ExploreTarget, from, to time.Time) string {
	return ExploreURL(e.grafana, t, from, to)
}

func trimSlash(u string) string { return strings.TrimRight(u, "/") }
