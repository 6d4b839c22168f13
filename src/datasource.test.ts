import { lastValueFrom, of } from 'rxjs';

import {
  CoreApp,
  createDataFrame,
  DataQueryRequest,
  dateTime,
  FieldType,
  ScopedVars,
  DataSourceInstanceSettings,
  VariableSupportType,
} from '@grafana/data';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { DataSource } from './datasource';
import { DEFAULT_QUERY, FsOptions, FsQuery } from './types';

type Format = (value: string | string[], variable: { name: string; multi?: boolean; includeAll?: boolean }) => string;

interface FakeVariable {
  name: string;
  multi: boolean;
  includeAll: boolean;
  value: string | string[];
}

// A small stand-in for Grafana's TemplateSrv: resolves $name and ${name} from scoped variables
// first, then dashboard variables, and hands values to the format function as Grafana does.
const variables: Record<string, FakeVariable> = {
  job: { name: 'job', multi: false, includeAll: false, value: 'api' },
  service: { name: 'service', multi: true, includeAll: false, value: ['checkout', 'cart.v2'] },
  window: { name: 'window', multi: false, includeAll: false, value: '14d' },
  step: { name: 'step', multi: false, includeAll: false, value: '1m' },
  incident: { name: 'incident', multi: false, includeAll: false, value: 'inc-7' },
};

const templateSrv = {
  replace: jest.fn((target: string | undefined, scopedVars?: ScopedVars, format?: Format | string) =>
    (target ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const variable = variables[name];
      const value = scopedVars?.[name]?.value ?? variable?.value;
      if (value === undefined) {
        return match;
      }
      if (typeof format === 'function') {
        return format(value, variable ?? { name, multi: false, includeAll: false });
      }
      return Array.isArray(value) ? value.join(',') : String(value);
    })
  ),
};

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const settings = {
  id: 1,
  uid: 'foresight',
  type: 'foresight-aiops-datasource',
  name: 'Foresight',
  access: 'proxy',
  readOnly: false,
  jsonData: { prometheusUrl: 'http://prometheus:9090' },
  meta: {},
} as unknown as DataSourceInstanceSettings<FsOptions>;

const query = (patch: Partial<FsQuery>): FsQuery => ({ refId: 'A', kind: 'anomaly', expr: 'up', ...patch });

describe('DataSource', () => {
  const ds = new DataSource(settings);

  describe('applyTemplateVariables', () => {
    it('interpolates expr, legendFormat, trainingWindow and minStep', () => {
      const result = ds.applyTemplateVariables(
        query({
          expr: 'rate(http_requests_total{job="$job"}[5m])',
          legendFormat: '{{service}} on ${job}',
          trainingWindow: '$window',
          minStep: '${step}',
          sensitivity: 0.7,
        }),
        {}
      );
      expect(result).toEqual({
        refId: 'A',
        kind: 'anomaly',
        expr: 'rate(http_requests_total{job="api"}[5m])',
        legendFormat: '{{service}} on api',
        trainingWindow: '14d',
        minStep: '1m',
        sensitivity: 0.7,
      });
    });

    it('interpolates the horizon of a forecast and keeps its number fields', () => {
      const result = ds.applyTemplateVariables(
        query({ kind: 'forecast', horizon: '${window}', threshold: 0.9, intervalLevel: 80 }),
        {}
      );
      expect(result).toMatchObject({ kind: 'forecast', horizon: '14d', threshold: 0.9, intervalLevel: 80 });
    });

    it('interpolates the LogQL expression of a log patterns query and keeps its number fields', () => {
      const result = ds.applyTemplateVariables(
        query({
          kind: 'patterns',
          expr: '{job="$job", service=~"$service"} |= "error"',
          topPatterns: 20,
          maxLines: 50_000,
          sensitivity: 0.6,
        }),
        {}
      );
      expect(result).toMatchObject({
        kind: 'patterns',
        expr: '{job="api", service=~"(checkout|cart\\\\.v2)"} |= "error"',
        topPatterns: 20,
        maxLines: 50_000,
        sensitivity: 0.6,
      });
    });

    it('formats multi-value variables in expr as an escaped regex alternation', () => {
      const result = ds.applyTemplateVariables(query({ expr: 'up{service=~"$service"}' }), {});
      expect(result.expr).toBe('up{service=~"(checkout|cart\\\\.v2)"}');
    });

    it('joins multi-value variables plainly outside expr', () => {
      const result = ds.applyTemplateVariables(query({ legendFormat: '$service' }), {});
      expect(result.legendFormat).toBe('checkout,cart.v2');
    });

    it('prefers scoped variables, such as a repeated panel value', () => {
      const scoped: ScopedVars = { job: { text: 'web', value: 'web' } };
      const result = ds.applyTemplateVariables(query({ expr: 'up{job="$job"}' }), scoped);
      expect(result.expr).toBe('up{job="web"}');
    });

    it('leaves absent optional fields absent and unknown variables untouched', () => {
      const result = ds.applyTemplateVariables(query({ expr: 'up[$__range]' }), {});
      expect(result.expr).toBe('up[$__range]');
      expect(result.legendFormat).toBeUndefined();
      expect(result.trainingWindow).toBeUndefined();
      expect(result.minStep).toBeUndefined();
      expect(result.horizon).toBeUndefined();
    });

    it('interpolates the service filter and incident id as plain values', () => {
      const result = ds.applyTemplateVariables(
        query({ kind: 'incidents', expr: '', service: '${job}', states: ['open'], limit: 5 }),
        {}
      );
      expect(result).toMatchObject({ kind: 'incidents', service: 'api', states: ['open'], limit: 5 });
      expect(
        ds.applyTemplateVariables(query({ kind: 'hypotheses', expr: '', incidentId: '$incident' }), {})
      ).toMatchObject({ kind: 'hypotheses', incidentId: 'inc-7' });
    });

    it('joins a multi-value service variable with commas, unescaped', () => {
      const result = ds.applyTemplateVariables(query({ kind: 'annotations', expr: '', service: '$service' }), {});
      expect(result.service).toBe('checkout,cart.v2');
    });

    it('sets the data source when queries are interpolated for Explore', () => {
      const [result] = ds.interpolateVariablesInQueries([query({ expr: 'up{job="$job"}' })], {});
      expect(result.expr).toBe('up{job="api"}');
      expect(result.datasource).toEqual({ type: 'foresight-aiops-datasource', uid: 'foresight' });
    });
  });

  describe('filterQuery', () => {
    it('keeps a query with an expression', () => {
      expect(ds.filterQuery(query({ expr: 'up' }))).toBe(true);
    });

    it('drops queries without an expression', () => {
      expect(ds.filterQuery(query({ expr: '' }))).toBe(false);
      expect(ds.filterQuery(query({ expr: '  \n ' }))).toBe(false);
      expect(ds.filterQuery({ refId: 'A' } as FsQuery)).toBe(false);
    });

    it('drops hidden queries', () => {
      expect(ds.filterQuery(query({ expr: 'up', hide: true }))).toBe(false);
    });

    it('treats log patterns queries the same way', () => {
      expect(ds.filterQuery(query({ kind: 'patterns', expr: '{app="api"}' }))).toBe(true);
      expect(ds.filterQuery(query({ kind: 'patterns', expr: ' ' }))).toBe(false);
    });

    it.each(['incidents', 'hypotheses', 'annotations', 'variables'] as const)(
      'keeps a %s query, which has no expression, unless hidden',
      (kind) => {
        expect(ds.filterQuery(query({ kind, expr: '' }))).toBe(true);
        expect(ds.filterQuery({ refId: 'A', kind } as FsQuery)).toBe(true);
        expect(ds.filterQuery(query({ kind, expr: '', hide: true }))).toBe(false);
      }
    );
  });

  describe('lokiConfigured', () => {
    const withJsonData = (jsonData: Partial<FsOptions>) => new DataSource({ ...settings, jsonData } as typeof settings);

    it('is true when the settings name a Loki URL', () => {
      expect(
        withJsonData({ prometheusUrl: 'http://prometheus:9090', lokiUrl: 'http://loki:3100' }).lokiConfigured
      ).toBe(true);
    });

    it('is false when the Loki URL is absent or blank', () => {
      expect(ds.lokiConfigured).toBe(false);
      expect(withJsonData({ prometheusUrl: 'http://prometheus:9090', lokiUrl: '  ' }).lokiConfigured).toBe(false);
    });

    it('has a receiver counterpart, receiverConfigured', () => {
      expect(ds.receiverConfigured).toBe(false);
      expect(withJsonData({ prometheusUrl: 'http://p', receiverUrl: ' ' }).receiverConfigured).toBe(false);
      expect(withJsonData({ prometheusUrl: 'http://p', receiverUrl: 'http://receiver:8080' }).receiverConfigured).toBe(
        true
      );
    });
  });

  it('offers the documented defaults for new queries', () => {
    expect(ds.getDefaultQuery('dashboard' as never)).toEqual(DEFAULT_QUERY);
    expect(DEFAULT_QUERY).toEqual({
      kind: 'anomaly',
      expr: '',
      trainingWindow: '7d',
      seasonality: 'auto',
      sensitivity: 0.5,
      output: 'bands',
    });
  });

  describe('annotations', () => {
    it('run through the backend as incident annotations, with their own editor', () => {
      expect(ds.annotations?.QueryEditor).toBe(AnnotationQueryEditor);
      expect(ds.annotations?.getDefaultQuery?.()).toEqual({ kind: 'annotations', expr: '' });
      // No processEvents: Grafana's standard processing reads the annotation frame's fields.
      expect(ds.annotations?.processEvents).toBeUndefined();
    });

    it('prepare an incident annotation query from the stored annotation', () => {
      const prepared = ds.annotations?.prepareQuery?.({
        name: 'Incidents',
        enable: true,
        iconColor: 'red',
        target: { refId: 'Anno', kind: 'annotations', expr: '', states: ['open'], service: '$job' },
      });
      expect(prepared).toEqual({ refId: 'Anno', kind: 'annotations', expr: '', states: ['open'], service: '$job' });
    });

    it('prepare the default query for an annotation stored without a target', () => {
      const prepared = ds.annotations?.prepareQuery?.({ name: 'Incidents', enable: true, iconColor: 'red' });
      expect(prepared).toEqual({ refId: 'Anno', kind: 'annotations', expr: '' });
    });

    it('turn an annotation saved with another kind into an incident annotation', () => {
      const prepared = ds.annotations?.prepareQuery?.({
        name: 'Old',
        enable: true,
        iconColor: 'red',
        target: { refId: 'X', kind: 'anomaly', expr: 'up', limit: 3 },
      });
      expect(prepared).toEqual({ refId: 'X', kind: 'annotations', expr: '', limit: 3 });
    });
  });

  describe('variables', () => {
    const request = (targets: FsQuery[]): DataQueryRequest<FsQuery> => ({
      requestId: 'r',
      interval: '1m',
      intervalMs: 60_000,
      range: { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-1h', to: 'now' } },
      scopedVars: {},
      targets,
      timezone: 'utc',
      app: CoreApp.Dashboard,
      startTime: 0,
    });

    it('use a custom editor', () => {
      expect(ds.variables?.getType()).toBe(VariableSupportType.Custom);
      expect((ds.variables as { editor?: unknown }).editor).toBe(VariableQueryEditor);
      expect(ds.variables?.getDefaultQuery?.()).toEqual({ kind: 'variables', expr: '', variable: 'services' });
    });

    it('send a variables query to the backend and map the text/value frame to values', async () => {
      const frame = createDataFrame({
        refId: 'variable',
        fields: [
          { name: 'text', type: FieldType.string, values: ['inc-1 Checkout errors', 'inc-2 Slow cart'] },
          { name: 'value', type: FieldType.string, values: ['inc-1', 'inc-2'] },
        ],
      });
      const spy = jest.spyOn(ds, 'query').mockReturnValue(of({ data: [frame] }));
      const variables = ds.variables as unknown as {
        query: (r: DataQueryRequest<FsQuery>) => ReturnType<DataSource['query']>;
      };

      // Called detached, as Grafana does.
      const run = variables.query;
      const response = await lastValueFrom(run(request([{ refId: 'variable', variable: 'incidents' } as FsQuery])));

      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0].targets).toEqual([
        { refId: 'variable', kind: 'variables', expr: '', variable: 'incidents' },
      ]);
      expect(response.data).toEqual([
        { text: 'inc-1 Checkout errors', value: 'inc-1' },
        { text: 'inc-2 Slow cart', value: 'inc-2' },
      ]);
      spy.mockRestore();
    });

    it('read a variable saved as a bare string', async () => {
      const spy = jest.spyOn(ds, 'query').mockReturnValue(of({ data: [] }));
      const variables = ds.variables as unknown as {
        query: (r: DataQueryRequest<FsQuery>) => ReturnType<DataSource['query']>;
      };
      const response = await lastValueFrom(variables.query(request(['services' as unknown as FsQuery])));
      expect(spy.mock.calls[0][0].targets).toEqual([
        { refId: 'variable-0', kind: 'variables', expr: '', variable: 'services' },
      ]);
      expect(response.data).toEqual([]);
      spy.mockRestore();
    });
  });
});
