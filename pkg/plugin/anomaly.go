package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/bands"
	"github.com/foresight-aiops/foresight/pkg/query"
)

// defaultPanelPoints is the resolution used when Grafana sends no interval (e.g. some API
// and alerting callers).
const defaultPanelPoints = 1000

func (d *Datasource) anomalyQuery(ctx context.Context, q backend.DataQuery, m query.Model, fromAlert bool) backend.DataResponse {
	a, err := m.Anomaly()
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	if d.prom == nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, d.promErr.Error())
	}
	step, notices := d.anomalyStep(q, a)
	req := bands.Request{
		SourceKey: d.sourceKey,
		Expr:      a.Expr,
		From:      q.TimeRange.From.UnixMilli(),
		To:        q.TimeRange.To.UnixMilli(),
		Step:      step.Milliseconds(),
		Training:  a.TrainingWindow.Milliseconds(),
		Band:      a.Band,
	}
	res, err := d.bands.Evaluate(ctx, d.prom, req)
	if err != nil {
		return backend.ErrDataResponseWithSource(statusFor(err), backend.ErrorSourceDownstream, fmt.Sprintf("fetch %q from Prometheus: %v", a.Expr, err))
	}
	perSeries := (req.To-req.From+req.Training)/req.Step + 1
	if total := int64(len(res.Series)) * perSeries; total > int64(d.settings.MaxPointsPerQuery) {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, fmt.Sprintf(
			"the query needs %d points (%d series × %d points of training window and range), over the limit of %d: narrow the expression, shorten the training window or raise the min step",
			total, len(res.Series), perSeries, d.settings.MaxPointsPerQuery))
	}
	for _, w := range res.Stats.Warnings {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: "Prometheus: " + w})
	}
	meta := frameMeta(a, step, res.Stats, notices)
	if fromAlert || a.Output == query.OutputScore {
		return backend.DataResponse{Frames: scoreFrames(res, a, meta)}
	}
	return backend.DataResponse{Frames: bandFrames(res, a, meta)}
}

// anomalyStep chooses the evaluation step of an anomaly query; see panelStep.
func (d *Datasource) anomalyStep(q backend.DataQuery, a query.Anomaly) (time.Duration, []data.Notice) {
	return d.panelStep(q, a.MinStep, a.TrainingWindow, fmt.Sprintf("the %s training window and the range", a.TrainingWindow))
}

// panelStep chooses the evaluation step: Grafana's interval for the panel, never below the
// query's min step, and raised when the range plus extra (history before it, horizon
// after it; described by what, for the notice) would need more points per series than the
// limit allows.
func (d *Datasource) panelStep(q backend.DataQuery, minStep, extra time.Duration, what string) (time.Duration, []data.Notice) {
	span := q.TimeRange.To.Sub(q.TimeRange.From)
	step := q.Interval
	if step <= 0 {
		points := q.MaxDataPoints
		if points <= 0 {
			points = defaultPanelPoints
		}
		step = span / time.Duration(points)
	}
	step = max(step, minStep, time.Second).Truncate(time.Millisecond)
	var notices []data.Notice
	limit := time.Duration(d.settings.MaxPointsPerSeries)
	if need := (span + extra) / step; need > limit {
		raised := ((span + extra + limit - 1) / limit).Round(time.Second)
		if raised*limit < span+extra {
			raised += time.Second
		}
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
			"step raised from %s to %s so %s fit in %d points per series", step, raised, what, d.settings.MaxPointsPerSeries)})
		step = raised
	}
	return step, notices
}
