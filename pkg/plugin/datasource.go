// Package plugin is the Grafana glue of the Foresight data source: settings, QueryData
// dispatch by kind, health checks. The analysis itself lives in the engine packages.
package plugin

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/foresight-aiops/foresight/pkg/bands"
	"github.com/foresight-aiops/foresight/pkg/fitcache"
	"github.com/foresight-aiops/foresight/pkg/history"
	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/source/loki"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/source/receiver"
)

// PluginID is the id in plugin.json.
const PluginID = "foresight-aiops-datasource"

// queryParallelism bounds the queries of one request evaluated at once.
const queryParallelism = 4

// sharedBands is one cache for every data source instance of the process, so the memory
// bound holds for the whole plugin; entries are keyed by instance.
var sharedBands = bands.New(bands.Config{})

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured Foresight data source.
type Datasource struct {
	settings    Settings
	sourceKey   string // distinguishes this instance (and this version of its settings) in caches
	prom        *prometheus.Client
	promErr     error // why prom is nil
	loki        *loki.Client
	lokiErr     error // why loki is nil
	receiver    *receiver.Client
	receiverErr error // why receiver is nil
	bands       *bands.Evaluator
	history     *history.Store
	fits        *fitcache.Cache
	logger      log.Logger
}

// NewDatasource is the instance factory Grafana calls when a data source is created or its
// settings change.
func NewDatasource(_ context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	set, err := LoadSettings(s)
	if err != nil {
		return nil, err
	}
	ds := &Datasource{
		settings:  set,
		sourceKey: fmt.Sprintf("%s@%d", s.UID, s.Updated.UnixNano()),
		bands:     sharedBands,
		history:   sharedHistory,
		fits:      sharedFits,
		logger:    log.DefaultLogger.With("datasource", s.UID),
	}
	ds.loki, ds.lokiErr = newLoki(set)
	ds.receiver, ds.receiverErr = newReceiver(set)
	if set.PrometheusURL == "" {
		ds.promErr = fmt.Errorf("the Prometheus URL is not set in the data source settings")
		return ds, nil
	}
	hc, err := httpclient.New(set.prometheusHTTPOptions())
	if err != nil {
		return nil, fmt.Errorf("prometheus HTTP client: %w", err)
	}
	ds.prom, ds.promErr = prometheus.New(set.PrometheusURL, hc, prometheus.Options{MaxSeries: set.MaxSeries})
	return ds, nil
}

// Dispose is called when the settings change or the data source is deleted.
func (d *Datasource) Dispose() {}

// QueryData evaluates each query by its kind. A failing query gets an error response of
// its own; the others are still answered.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	fromAlert := req.Headers[backend.FromAlertHeaderName] == "true"
	var mu sync.Mutex
	var g errgroup.Group // each query reports its own error in its response
	g.SetLimit(queryParallelism)
	for _, q := range req.Queries {
		g.Go(func() error {
			r := d.query(ctx, q, fromAlert)
			mu.Lock()
			resp.Responses[q.RefID] = r
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, q backend.DataQuery, fromAlert bool) (r backend.DataResponse) {
	defer func() {
		if p := recover(); p != nil { // a defect in one query must not take the plugin down
			d.logger.Error("query panicked", "refId", q.RefID, "panic", p)
			r = backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin, fmt.Sprintf("internal error evaluating query %s", q.RefID))
		}
	}()
	m, err := query.Parse(q.JSON, query.Env{Interval: q.Interval, Range: q.TimeRange.To.Sub(q.TimeRange.From)})
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	if m.Kind.ReadsReceiver() {
		return d.receiverQuery(ctx, q, m)
	}
	switch m.Kind {
	case query.KindAnomaly:
		return d.anomalyQuery(ctx, q, m, fromAlert)
	case query.KindForecast:
		return d.forecastQuery(ctx, q, m, fromAlert)
	case query.KindPatterns:
		return d.patternsQuery(ctx, q, m, fromAlert)
	}
	return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, fmt.Sprintf("query kind %q is not supported", m.Kind))
}
