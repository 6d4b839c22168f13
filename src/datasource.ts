import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { prepareAnnotationQuery } from './annotations';
import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { formatPlainVariable, formatPromQLVariable } from './templating';
import { DEFAULT_ANNOTATION_QUERY, DEFAULT_QUERY, FsOptions, FsQuery, kindHasExpression } from './types';
import { FsVariableSupport } from './variableSupport';

/** The Foresight data source in the browser: queries, alerting and annotations all run in the Go backend. */
export class DataSource extends DataSourceWithBackend<FsQuery, FsOptions> {
  /** True when the settings name a Loki URL, which log pattern queries read. */
  readonly lokiConfigured: boolean;
  /** True when the settings name a receiver URL, which the incident kinds read. */
  readonly receiverConfigured: boolean;

  constructor(instanceSettings: DataSourceInstanceSettings<FsOptions>) {
    super(instanceSettings);
    this.lokiConfigured = Boolean(instanceSettings.jsonData?.lokiUrl?.trim());
    this.receiverConfigured = Boolean(instanceSettings.jsonData?.receiverUrl?.trim());
    // Annotations run through the backend like any query (kind 'annotations'); Grafana's standard
    // processing reads the time, timeEnd, title, text, tags and color fields of the frame it returns.
    this.annotations = {
      getDefaultQuery: () => DEFAULT_ANNOTATION_QUERY,
      prepareQuery: prepareAnnotationQuery,
      QueryEditor: AnnotationQueryEditor,
    };
    this.variables = new FsVariableSupport(this);
  }

  getDefaultQuery(_: CoreApp): Partial<FsQuery> {
    return DEFAULT_QUERY;
  }

  /**
   * Resolves dashboard and scoped variables before the query goes to the backend. The expression
   * is PromQL or, for log patterns, LogQL: both quote strings and write regular expressions (RE2)
   * the same way, so one formatter serves both. The incident filters take plain values.
   */
  applyTemplateVariables(query: FsQuery, scopedVars: ScopedVars): FsQuery {
    const templateSrv = getTemplateSrv();
    const replace = (value: string | undefined) =>
      value === undefined ? undefined : templateSrv.replace(value, scopedVars);
    const replacePlain = (value: string | undefined) =>
      value === undefined ? undefined : templateSrv.replace(value, scopedVars, formatPlainVariable);
    return {
      ...query,
      expr: templateSrv.replace(query.expr ?? '', scopedVars, formatPromQLVariable),
      legendFormat: replace(query.legendFormat),
      trainingWindow: replace(query.trainingWindow),
      minStep: replace(query.minStep),
      horizon: replace(query.horizon),
      service: replacePlain(query.service),
      incidentId: replacePlain(query.incidentId),
    };
  }

  /** Used when queries move to Explore or another data source: variables resolved, data source set. */
  interpolateVariablesInQueries(queries: FsQuery[], scopedVars: ScopedVars): FsQuery[] {
    return queries.map((query) => ({ ...this.applyTemplateVariables(query, scopedVars), datasource: this.getRef() }));
  }

  /** Skips hidden queries and queries of an expression kind without an expression. */
  filterQuery(query: FsQuery): boolean {
    if (query.hide) {
      return false;
    }
    return !kindHasExpression(query.kind) || (query.expr ?? '').trim() !== '';
  }
}
