import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { formatPromQLVariable } from './templating';
import { DEFAULT_QUERY, FsOptions, FsQuery } from './types';

/** The Foresight data source in the browser: queries, alerting and annotations all run in the Go backend. */
export class DataSource extends DataSourceWithBackend<FsQuery, FsOptions> {
  /** True when the settings name a Loki URL, which log pattern queries read. */
  readonly lokiConfigured: boolean;

  constructor(instanceSettings: DataSourceInstanceSettings<FsOptions>) {
    super(instanceSettings);
    this.lokiConfigured = Boolean(instanceSettings.jsonData?.lokiUrl?.trim());
    // Annotation queries use the standard backend path: the annotation editor is the query editor.
    this.annotations = {};
  }

  getDefaultQuery(_: CoreApp): Partial<FsQuery> {
    return DEFAULT_QUERY;
  }

  /**
   * Resolves dashboard and scoped variables before the query goes to the backend. The expression
   * is PromQL or, for log patterns, LogQL: both quote strings and write regular expressions (RE2)
   * the same way, so one formatter serves both.
   */
  applyTemplateVariables(query: FsQuery, scopedVars: ScopedVars): FsQuery {
    const templateSrv = getTemplateSrv();
    const replace = (value: string | undefined) =>
      value === undefined ? undefined : templateSrv.replace(value, scopedVars);
    return {
      ...query,
      expr: templateSrv.replace(query.expr ?? '', scopedVars, formatPromQLVariable),
      legendFormat: replace(query.legendFormat),
      trainingWindow: replace(query.trainingWindow),
      minStep: replace(query.minStep),
      horizon: replace(query.horizon),
    };
  }

  /** Used when queries move to Explore or another data source: variables resolved, data source set. */
  interpolateVariablesInQueries(queries: FsQuery[], scopedVars: ScopedVars): FsQuery[] {
    return queries.map((query) => ({ ...this.applyTemplateVariables(query, scopedVars), datasource: this.getRef() }));
  }

  /** Skips hidden queries and queries without an expression. */
  filterQuery(query: FsQuery): boolean {
    return !query.hide && (query.expr ?? '').trim() !== '';
  }
}
