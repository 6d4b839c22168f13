import { DataSourceInstanceSettings, ScopedVars } from '@grafana/data';

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

  it('supports annotations through the backend', () => {
    expect(ds.annotations).toEqual({});
  });
});
