// From 'rxjs' itself, not 'rxjs/operators': the plugin build leaves only 'rxjs' to Grafana.
import { map, Observable } from 'rxjs';

import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { DEFAULT_VARIABLE_QUERY, FsOptions, FsQuery } from './types';
import { responseToMetricFindValues, toVariableQuery } from './variables';

/**
 * Query variables: the variable editor picks what to list ('services' or 'incidents'), the
 * backend answers with a text/value frame and this maps it to the variable's values.
 */
export class FsVariableSupport extends CustomVariableSupport<DataSource, FsQuery, FsQuery, FsOptions> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
    // Grafana calls query detached from this object.
    this.query = this.query.bind(this);
  }

  getDefaultQuery(): Partial<FsQuery> {
    return DEFAULT_VARIABLE_QUERY;
  }

  query(request: DataQueryRequest<FsQuery>): Observable<DataQueryResponse> {
    const targets = request.targets.map((target, i) => toVariableQuery(target, target?.refId || `variable-${i}`));
    return this.datasource
      .query({ ...request, targets })
      .pipe(map((response) => ({ ...response, data: responseToMetricFindValues(response.data ?? []) })));
  }
}
