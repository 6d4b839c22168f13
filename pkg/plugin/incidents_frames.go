package plugin

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/source/receiver"
)

// Names of the receiver kinds' frames and fields; dashboards and src/ refer to them.
const (
	frameIncidents  = "incidents"
	frameHypotheses = "hypotheses"
	frameVariables  = "variables"
	// OnCallDashboard is the path of the provisioned on-call dashboard; its incident
	// variable selects one incident.
	OnCallDashboard = "/d/foresight-oncall/foresight-on-call"
)

// Colours of incident regions by state: Grafana's named palette colours.
var stateColors = map[string]string{
	"open":         "red",
	"acknowledged": "orange",
	"resolved":     "green",
	"merged":       "purple",
}

// annotationHypotheses is how many hypotheses an incident region's text lists.
const annotationHypotheses = 3

// onCallLink opens the on-call dashboard on one incident.
func onCallLink(id string) string {
	return OnCallDashboard + "?var-incident=" + url.QueryEscape(id)
}

// incidentsFrame is the incidents table, newest first. now ends the incidents still open.
func incidentsFrame(incidents []receiver.Incident, now time.Time, meta *data.FrameMeta) *data.Frame {
	n := len(incidents)
	var (
		ids, titles, states, severities = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		services, hypotheses, links     = make([]string, n), make([]string, n), make([]string, n)
		started                         = make([]time.Time, n)
		durations                       = make([]float64, n)
		alerts                          = make([]int64, n)
		confidences                     = make([]*float64, n)
	)
	for i, in := range incidents {
		ids[i], titles[i], states[i], severities[i] = in.ID, in.Title, in.State, in.Severity
		started[i] = in.StartedAt.UTC()
		durations[i] = max(0, in.End(now).Sub(in.StartedAt).Seconds())
		alerts[i] = int64(in.AlertCount)
		services[i] = strings.Join(in.Services, ", ")
		if h := in.TopHypothesis; h != nil {
			hypotheses[i] = h.Entity
			c := h.Confidence
			confidences[i] = &c
		}
		links[i] = onCallLink(in.ID)
	}
	id := data.NewField("id", nil, ids)
	id.Config = &data.FieldConfig{Links: []data.DataLink{{
		Title: "Open in the on-call dashboard",
		URL:   OnCallDashboard + "?var-incident=${__value.raw}",
	}}}
	duration := data.NewField("duration", nil, durations)
	duration.Config = &data.FieldConfig{Unit: "s"}
	confidence := data.NewField("confidence", nil, confidences)
	confidence.Config = percentConfig()
	f := data.NewFrame(frameIncidents,
		id,
		data.NewField("title", nil, titles),
		data.NewField("state", nil, states),
		data.NewField("severity", nil, severities),
		data.NewField("started", nil, started),
		duration,
		data.NewField("alerts", nil, alerts),
		data.NewField("services", nil, services),
		data.NewField("hypothesis", nil, hypotheses),
		confidence,
		data.NewField("link", nil, links),
	)
	f.Meta = tableMeta(meta)
	return f
}

// percentConfig shows a 0..1 confidence as a percentage.
func percentConfig() *data.FieldConfig {
	lo, hi := data.ConfFloat64(0), data.ConfFloat64(1)
	return &data.FieldConfig{Unit: "percentunit", Min: &lo, Max: &hi}
}

func tableMeta(meta *data.FrameMeta) *data.FrameMeta {
	m := *meta
	m.Type = data.FrameTypeTable
	m.PreferredVisualization = data.VisTypeTable
	return &m
}

// hypothesesFrame lists the hypotheses of the incidents in ids, each best first.
func hypothesesFrame(ids []string, analyses map[string]receiver.Analysis, meta *data.FrameMeta) *data.Frame {
	var (
		incidents, entities, kinds, explanations, evidence []string
		ranks                                              []int64
		confidences                                        []float64
	)
	for _, id := range ids {
		for i, h := range analyses[id].Hypotheses {
			incidents = append(incidents, id)
			ranks = append(ranks, int64(i+1))
			entities = append(entities, h.Entity)
			confidences = append(confidences, h.Confidence)
			kinds = append(kinds, evidenceKinds(h.Evidence))
			explanations = append(explanations, h.Explanation)
			evidence = append(evidence, firstURL(h.Evidence))
		}
	}
	incident := data.NewField("incident", nil, nonNil(incidents))
	incident.Config = &data.FieldConfig{Links: []data.DataLink{{
		Title: "Open in the on-call dashboard",
		URL:   OnCallDashboard + "?var-incident=${__value.raw}",
	}}}
	confidence := data.NewField("confidence", nil, nonNil(confidences))
	confidence.Config = percentConfig()
	ev := data.NewField("evidence", nil, nonNil(evidence))
	ev.Config = &data.FieldConfig{Links: []data.DataLink{{Title: "Open the evidence", URL: "${__value.raw}", TargetBlank: true}}}
	f := data.NewFrame(frameHypotheses,
		incident,
		data.NewField("rank", nil, nonNil(ranks)),
		data.NewField("entity", nil, nonNil(entities)),
		confidence,
		data.NewField("kinds", nil, nonNil(kinds)),
		data.NewField("explanation", nil, nonNil(explanations)),
		ev,
	)
	f.Meta = tableMeta(meta)
	return f
}

// nonNil keeps an empty column typed: a nil slice would make a field of no type.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// evidenceKinds are the distinct kinds of evidence, in the order first seen.
func evidenceKinds(ev []receiver.Evidence) string {
	var kinds []string
	for _, e := range ev {
		if e.Kind != "" && !slices.Contains(kinds, e.Kind) {
			kinds = append(kinds, e.Kind)
		}
	}
	return strings.Join(kinds, ", ")
}

func firstURL(ev []receiver.Evidence) string {
	for _, e := range ev {
		if e.URL != "" {
			return e.URL
		}
	}
	return ""
}

// annotationsFrame draws each incident as a region from its start to its resolution (now
// while it is open), its text naming the probable cause and the best hypotheses.
func annotationsFrame(incidents []receiver.Incident, analyses map[string]receiver.Analysis, now time.Time, meta *data.FrameMeta) *data.Frame {
	var rows annotationRows
	for _, in := range incidents {
		tags, _ := json.Marshal(slices.Concat([]string{"foresight", "incident", in.State, in.Severity}, in.Services))
		rows.add(in.StartedAt.UTC(), in.End(now).UTC(), true, in.Title, annotationText(in, analyses[in.ID]), tags, stateColors[in.State])
	}
	return rows.frame("incident annotations", meta)
}

// annotationText is the incident's title, its probable cause with confidence and its best
// hypotheses, one per line.
func annotationText(in receiver.Incident, a receiver.Analysis) string {
	lines := []string{in.Title}
	switch {
	case a.ProbableCause != nil:
		lines = append(lines, fmt.Sprintf("Probable cause: %s (confidence %s)", a.ProbableCause.Entity, percent(a.ProbableCause.Confidence)))
	case len(a.Hypotheses) > 0:
		lines = append(lines, fmt.Sprintf("No clear cause: none of the hypotheses is more likely than no cause (%s)", percent(a.NoCause)))
	case in.TopHypothesis != nil:
		// The list knew a hypothesis but the analysis was not read (it changed meanwhile).
		lines = append(lines, fmt.Sprintf("Top hypothesis: %s (confidence %s)", in.TopHypothesis.Entity, percent(in.TopHypothesis.Confidence)))
	default:
		lines = append(lines, "No root-cause hypotheses yet.")
	}
	for i, h := range a.Hypotheses[:min(annotationHypotheses, len(a.Hypotheses))] {
		lines = append(lines, fmt.Sprintf("%d. %s (%s): %s", i+1, h.Entity, percent(h.Confidence), h.Explanation))
	}
	return strings.Join(lines, "\n")
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// variableFrame is a variable query's answer: what the picker shows and what it sets.
func variableFrame(texts, values []string) *data.Frame {
	return data.NewFrame(frameVariables,
		data.NewField("text", nil, nonNil(texts)),
		data.NewField("value", nil, nonNil(values)),
	)
}
