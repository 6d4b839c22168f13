import { createDataFrame, FieldType } from '@grafana/data';

import { frameToMetricFindValues, responseToMetricFindValues, toVariableQuery } from './variables';

describe('toVariableQuery', () => {
  it.each([
    ['services', 'services'],
    [' Incidents ', 'incidents'],
    ['something else', 'services'],
    ['', 'services'],
  ])('reads the bare string %j as %s', (saved, variable) => {
    expect(toVariableQuery(saved, 'v')).toEqual({ refId: 'v', kind: 'variables', expr: '', variable });
  });

  it('keeps a saved query, forcing its kind and dropping an expression', () => {
    expect(toVariableQuery({ refId: 'Q', kind: 'anomaly', expr: 'up', variable: 'incidents' })).toEqual({
      refId: 'Q',
      kind: 'variables',
      expr: '',
      variable: 'incidents',
    });
  });

  it('defaults a missing or unknown variable to services', () => {
    expect(toVariableQuery(undefined).variable).toBe('services');
    expect(toVariableQuery({ variable: 'hosts' as never }).variable).toBe('services');
    expect(toVariableQuery(undefined).refId).toBe('variable');
  });
});

describe('frameToMetricFindValues', () => {
  it('pairs the text and value fields', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'value', type: FieldType.string, values: ['inc-1', 'inc-2'] },
        { name: 'text', type: FieldType.string, values: ['inc-1 Disk full', 'inc-2 Errors'] },
      ],
    });
    expect(frameToMetricFindValues(frame)).toEqual([
      { text: 'inc-1 Disk full', value: 'inc-1' },
      { text: 'inc-2 Errors', value: 'inc-2' },
    ]);
  });

  it.each(['text', 'value', 'service'])('uses a lone string field named %s for text and value', (name) => {
    const frame = createDataFrame({
      fields: [
        { name: 'count', type: FieldType.number, values: [1, 2] },
        { name, type: FieldType.string, values: ['cart', 'checkout'] },
      ],
    });
    expect(frameToMetricFindValues(frame)).toEqual([
      { text: 'cart', value: 'cart' },
      { text: 'checkout', value: 'checkout' },
    ]);
  });

  it('gives nothing for a frame without string fields', () => {
    const frame = createDataFrame({ fields: [{ name: 'value', type: FieldType.number, values: [1] }] });
    expect(frameToMetricFindValues(frame)).toEqual([]);
  });
});

describe('responseToMetricFindValues', () => {
  it('joins frames, dropping empty values and repeats', () => {
    const frame = (values: string[]) =>
      createDataFrame({
        fields: [
          { name: 'text', type: FieldType.string, values },
          { name: 'value', type: FieldType.string, values },
        ],
      });
    expect(responseToMetricFindValues([frame(['cart', '', 'checkout']), frame(['cart', 'payments'])])).toEqual([
      { text: 'cart', value: 'cart' },
      { text: 'checkout', value: 'checkout' },
      { text: 'payments', value: 'payments' },
    ]);
  });

  it('gives nothing for an empty response', () => {
    expect(responseToMetricFindValues([])).toEqual([]);
  });
});
