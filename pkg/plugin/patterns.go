package plugin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/patterns"
	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/source/loki"
)

// Names of the patterns table's frame and fields; dashboards refer to them.
const (
	framePatternsTable = "patterns"
	fieldPattern       = "pattern"
	fieldFirstSeen     = "first_seen"
	fieldCount         = "count"
	fieldNew           = "new"
	fieldSurging       = "surging"
	fieldPeak          = "peak"
	fieldExamples      = "examples"
	fieldPatternID     = "pattern_id"
)

// newLoki builds the Loki client from the settings, or says why there is none.
func newLoki(set Settings) (*loki.Client, error) {
	if set.LokiURL == "" {
		return nil, fmt.Errorf("the Loki URL is not set in the data source settings")
	}
	hc, err := httpclient.New(set.httpOptions(set.secrets[secretLokiToken]))
	if err != nil {
		return nil, fmt.Errorf("loki HTTP client: %w", err)
	}
	return loki.New(set.LokiURL, hc, loki.Options{})
}

// patternsQuery answers kind=patterns. Alert rules get the count series only: a table of
// strings is not something a rule can reduce to a number.
func (d *Datasource) patternsQuery(ctx context.Context, q backend.DataQuery, m query.Model, fromAlert bool) backend.DataResponse {
	p, err := m.Patterns()
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	if d.loki == nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, d.lokiErr.Error())
	}
	step, notices := d.panelStep(q, p.MinStep, 0, "the range")
	res, err := d.loki.QueryLogs(ctx, loki.LogsRequest{
		Query: p.Expr, Start: q.TimeRange.From, End: q.TimeRange.To.Add(time.Nanosecond), // End is exclusive
		Limit: p.MaxLines, Direction: loki.Backward,
	})
	if err != nil {
		return backend.ErrDataResponseWithSource(statusFor(err), backend.ErrorSourceDownstream, fmt.Sprintf("read %q from Loki: %v", p.Expr, err))
	}
	lines := make([]patterns.Line, len(res.Entries))
	for i, e := range res.Entries { // newest first: mine oldest first, as the lines happened
		lines[len(lines)-1-i] = patterns.Line{Time: e.Time.UnixMilli(), Text: e.Line}
	}
	from := q.TimeRange.From.UnixMilli()
	if res.Truncated && len(lines) > 0 {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
			"the range holds more than %d lines: patterns are counted from %s on only; narrow the query or raise Max lines",
			p.MaxLines, time.UnixMilli(lines[0].Time).UTC().Format(time.RFC3339))})
	}
	for _, w := range res.Warnings {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: "Loki: " + w})
	}
	rates := patterns.Analyse(lines, patterns.RateConfig{
		From: from, To: q.TimeRange.To.UnixMilli(), Step: step.Milliseconds(), Anomaly: p.Rate,
	})
	meta := &data.FrameMeta{
		ExecutedQueryString: fmt.Sprintf("%s\nstep=%s lines=%d requests=%d sensitivity=%g", p.Expr, step, len(lines), res.Requests, p.Rate.Sensitivity),
		Notices:             notices,
		Stats: []data.QueryStat{
			{FieldConfig: data.FieldConfig{DisplayName: "Lines read"}, Value: float64(len(lines))},
			{FieldConfig: data.FieldConfig{DisplayName: "Patterns"}, Value: float64(len(rates.Patterns))},
			{FieldConfig: data.FieldConfig{DisplayName: "Source requests"}, Value: float64(res.Requests)},
		},
	}
	frames := countFrames(rates, p.Top, meta)
	if fromAlert {
		return backend.DataResponse{Frames: frames}
	}
	return backend.DataResponse{Frames: append(frames, flaggedTable(rates, meta))}
}

// countFrames is one count series per top pattern, named by its template.
func countFrames(r patterns.Rates, top int, meta *data.FrameMeta) data.Frames {
	times := make([]time.Time, len(r.Times))
	for i, t := range r.Times {
		times[i] = time.UnixMilli(t).UTC()
	}
	var frames data.Frames
	for _, p := range r.Patterns[:min(top, len(r.Patterns))] {
		labels := data.Labels{fieldPatternID: fmt.Sprint(p.ID)}
		count := data.NewField(fieldCount, labels, p.Counts)
		count.Config = &data.FieldConfig{DisplayNameFromDS: p.Template}
		f := data.NewFrame(p.Template, data.NewField(fieldTime, nil, times), count)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		frames = append(frames, f)
	}
	if len(frames) > 0 {
		frames[0].Meta = withType(meta, data.FrameTypeTimeSeriesMulti)
	}
	return frames
}

// flaggedTable lists the new or surging patterns, highest score first.
func flaggedTable(r patterns.Rates, meta *data.FrameMeta) *data.Frame {
	flagged := slices.DeleteFunc(slices.Clone(r.Patterns), func(p patterns.PatternRate) bool { return !p.New && !p.Surging })
	slices.SortStableFunc(flagged, func(a, b patterns.PatternRate) int { return cmp.Compare(b.Score, a.Score) })
	var (
		tmpl, examples, ids []string
		first, peak         []time.Time
		count               []int64
		score               []float64
		isNew, surging      []bool
	)
	for _, p := range flagged {
		tmpl = append(tmpl, p.Template)
		ids = append(ids, fmt.Sprint(p.ID))
		first = append(first, time.UnixMilli(p.FirstSeen).UTC())
		peak = append(peak, time.UnixMilli(p.ScoreAt).UTC())
		count = append(count, p.Count)
		score = append(score, p.Score)
		isNew = append(isNew, p.New)
		surging = append(surging, p.Surging)
		examples = append(examples, strings.Join(p.Examples, "\n"))
	}
	f := data.NewFrame(framePatternsTable,
		data.NewField(fieldPattern, nil, tmpl),
		data.NewField(fieldScore, nil, score),
		data.NewField(fieldNew, nil, isNew),
		data.NewField(fieldSurging, nil, surging),
		data.NewField(fieldFirstSeen, nil, first),
		data.NewField(fieldPeak, nil, peak),
		data.NewField(fieldCount, nil, count),
		data.NewField(fieldExamples, nil, examples),
		data.NewField(fieldPatternID, nil, ids),
	)
	f.Meta = withType(meta, data.FrameTypeTable)
	f.Meta.PreferredVisualization = data.VisTypeTable
	return f
}

func withType(meta *data.FrameMeta, t data.FrameType) *data.FrameMeta {
	m := *meta
	m.Type = t
	if t == data.FrameTypeTimeSeriesMulti {
		m.TypeVersion = data.FrameTypeVersion{0, 1}
	}
	return &m
}
