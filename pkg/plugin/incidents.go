package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/source/receiver"
)

const (
	// analysisParallelism bounds the hypotheses requests of one query in flight at once:
	// the receiver serves every panel of every dashboard, and a few at a time keep a
	// dashboard of open incidents quick without flooding it.
	analysisParallelism = 4
	// maxVariableIncidents bounds the incidents read to list the services of a range.
	maxVariableIncidents = 2000
)

// newReceiver builds the receiver client from the settings, or says why there is none.
func newReceiver(set Settings) (*receiver.Client, error) {
	if set.ReceiverURL == "" {
		return nil, errors.New("the receiver URL is not set in the data source settings")
	}
	hc, err := httpclient.New(set.httpOptions(set.secrets[secretReceiverToken]))
	if err != nil {
		return nil, fmt.Errorf("receiver HTTP client: %w", err)
	}
	return receiver.New(set.ReceiverURL, hc, receiver.Options{})
}

// receiverQuery answers the kinds that read the receiver's API.
func (d *Datasource) receiverQuery(ctx context.Context, q backend.DataQuery, m query.Model) backend.DataResponse {
	if d.receiver == nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, d.receiverErr.Error())
	}
	var (
		frames data.Frames
		err    error
	)
	switch m.Kind {
	case query.KindIncidents:
		frames, err = d.incidentsQuery(ctx, q, m)
	case query.KindHypotheses:
		frames, err = d.hypothesesQuery(ctx, q, m)
	case query.KindAnnotations:
		frames, err = d.annotationsQuery(ctx, q, m)
	case query.KindVariables:
		frames, err = d.variablesQuery(ctx, q, m)
	default:
		err = fmt.Errorf("query kind %q does not read the receiver", m.Kind)
	}
	if err != nil {
		var fe *query.FieldError
		if errors.As(err, &fe) {
			return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
		}
		return backend.ErrDataResponseWithSource(statusFor(err), backend.ErrorSourceDownstream, err.Error())
	}
	return backend.DataResponse{Frames: frames}
}

// rangeFilter is the incident filter of a panel's range.
func rangeFilter(q backend.DataQuery, states []string, service string) receiver.Filter {
	return receiver.Filter{States: states, Service: service, From: q.TimeRange.From, To: q.TimeRange.To}
}

// listIncidents reads up to limit incidents and describes the request for the query
// inspector; a notice says when more incidents matched.
func (d *Datasource) listIncidents(ctx context.Context, f receiver.Filter, limit int) ([]receiver.Incident, *data.FrameMeta, error) {
	incidents, more, err := d.receiver.IncidentsUpTo(ctx, f, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("list incidents: %w", err)
	}
	meta := &data.FrameMeta{ExecutedQueryString: executed(d.receiver.URL(), f, limit)}
	if more {
		meta.Notices = append(meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("more than %d incidents match: showing the newest %d; narrow the range or the filters, or raise Limit", limit, limit)})
	}
	return incidents, meta, nil
}

// executed is the request as the query inspector shows it.
func executed(base string, f receiver.Filter, limit int) string {
	f.Limit = min(limit, receiver.MaxLimit)
	return "GET " + base + "/api/v1/incidents?" + f.Query()
}

// filteredIncidents lists the incidents an incidents or annotations query selects in the
// panel's range.
func (d *Datasource) filteredIncidents(ctx context.Context, q backend.DataQuery, m query.Model) ([]receiver.Incident, *data.FrameMeta, error) {
	iq, err := m.Incidents()
	if err != nil {
		return nil, nil, err
	}
	return d.listIncidents(ctx, rangeFilter(q, iq.States, iq.Service), iq.Limit)
}

func (d *Datasource) incidentsQuery(ctx context.Context, q backend.DataQuery, m query.Model) (data.Frames, error) {
	incidents, meta, err := d.filteredIncidents(ctx, q, m)
	if err != nil {
		return nil, err
	}
	return data.Frames{incidentsFrame(incidents, time.Now(), meta)}, nil
}

func (d *Datasource) hypothesesQuery(ctx context.Context, q backend.DataQuery, m query.Model) (data.Frames, error) {
	hq, err := m.Hypotheses()
	if err != nil {
		return nil, err
	}
	var ids []string
	meta := &data.FrameMeta{}
	if hq.IncidentID != "" {
		ids = []string{hq.IncidentID}
		meta.ExecutedQueryString = "GET " + d.receiver.URL() + "/api/v1/incidents/" + url.PathEscape(hq.IncidentID) + "/hypotheses"
	} else {
		var incidents []receiver.Incident
		incidents, meta, err = d.listIncidents(ctx, rangeFilter(q, query.DefaultStates, hq.Service), hq.Limit)
		if err != nil {
			return nil, err
		}
		for _, in := range incidents {
			ids = append(ids, in.ID)
		}
	}
	analyses, err := d.analyses(ctx, ids, hq.IncidentID == "")
	if err != nil {
		return nil, err
	}
	meta.Notices = append(meta.Notices, analysisNotices(ids, analyses)...)
	return data.Frames{hypothesesFrame(ids, analyses, meta)}, nil
}

// analyses fetches the incidents' analyses, a few at a time; the result is in the order
// of ids. With skipMissing an incident gone since it was listed (purged, or another
// replica's change) has no entry, rather than failing the query.
func (d *Datasource) analyses(ctx context.Context, ids []string, skipMissing bool) (map[string]receiver.Analysis, error) {
	results := make([]*receiver.Analysis, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(analysisParallelism)
	for i, id := range ids {
		g.Go(func() error {
			a, err := d.receiver.Hypotheses(gctx, id)
			switch {
			case skipMissing && errors.Is(err, receiver.ErrNoIncident):
				return nil
			case err != nil:
				return fmt.Errorf("hypotheses of incident %s: %w", id, err)
			}
			results[i] = &a
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]receiver.Analysis, len(ids))
	for i, a := range results {
		if a != nil {
			out[ids[i]] = *a
		}
	}
	return out, nil
}

// analysisNotices say which incidents have no hypotheses to show, and why: an empty table
// must not read as "no cause found".
func analysisNotices(ids []string, analyses map[string]receiver.Analysis) []data.Notice {
	var notices []data.Notice
	for _, id := range ids {
		a, ok := analyses[id]
		switch {
		case !ok:
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf("incident %s: no longer on the receiver", id)})
		case a.State != receiver.AnalysisReady:
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf("incident %s: root-cause analysis %s: %s", id, a.State, a.Reason)})
		case len(a.Errors) > 0:
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf("incident %s: hypotheses rest on partial evidence (%s)", id, strings.Join(a.Errors, "; "))})
		}
	}
	return notices
}

func (d *Datasource) annotationsQuery(ctx context.Context, q backend.DataQuery, m query.Model) (data.Frames, error) {
	incidents, meta, err := d.filteredIncidents(ctx, q, m)
	if err != nil {
		return nil, err
	}
	// Only incidents with a stored analysis have hypotheses to list: the others cost no
	// request.
	var analysed []string
	for _, in := range incidents {
		if in.TopHypothesis != nil {
			analysed = append(analysed, in.ID)
		}
	}
	analyses, err := d.analyses(ctx, analysed, true)
	if err != nil {
		return nil, err
	}
	return data.Frames{annotationsFrame(incidents, analyses, time.Now(), meta)}, nil
}

func (d *Datasource) variablesQuery(ctx context.Context, q backend.DataQuery, m query.Model) (data.Frames, error) {
	vq, err := m.Variables()
	if err != nil {
		return nil, err
	}
	var texts, values []string
	switch vq.Variable {
	case query.VariableServices:
		// Every state: a service whose incident was resolved within the range is still
		// one to look at.
		incidents, _, err := d.receiver.IncidentsUpTo(ctx, rangeFilter(q, nil, ""), maxVariableIncidents)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		for _, in := range incidents {
			values = append(values, in.Services...)
		}
		slices.Sort(values)
		values = slices.Compact(values)
		texts = values
	case query.VariableIncidents:
		// Open incidents want attention now, whenever they started: no range filter.
		incidents, _, err := d.receiver.IncidentsUpTo(ctx, receiver.Filter{States: query.DefaultStates}, vq.Limit)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		for _, in := range incidents {
			texts = append(texts, in.ID+" "+in.Title)
			values = append(values, in.ID)
		}
	}
	return data.Frames{variableFrame(texts, values)}, nil
}
