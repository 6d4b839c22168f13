import { DataFrame, FieldType, MetricFindValue } from '@grafana/data';

import { DEFAULT_VARIABLE, DEFAULT_VARIABLE_QUERY, FsQuery, VariableTarget } from './types';

const VARIABLE_TARGETS: readonly VariableTarget[] = ['services', 'incidents'];

/**
 * Turns a saved variable query into a 'variables' query. Besides this plugin's own form, it
 * accepts a bare string ('services' or 'incidents'), the form a variable provisioned by hand or
 * migrated from a plain text query editor would hold.
 */
export function toVariableQuery(saved: Partial<FsQuery> | string | undefined, refId = 'variable'): FsQuery {
  if (typeof saved === 'string') {
    const target = saved.trim().toLowerCase();
    return {
      ...DEFAULT_VARIABLE_QUERY,
      refId,
      variable: VARIABLE_TARGETS.find((t) => t === target) ?? DEFAULT_VARIABLE,
    } as FsQuery;
  }
  const variable = VARIABLE_TARGETS.find((t) => t === saved?.variable) ?? DEFAULT_VARIABLE;
  return { ...DEFAULT_VARIABLE_QUERY, ...saved, refId: saved?.refId || refId, kind: 'variables', expr: '', variable };
}

/** The values of the string field with this name, or undefined when the frame has none. */
function stringValues(frame: DataFrame, name: string): string[] | undefined {
  const field = frame.fields.find((f) => f.name === name && f.type === FieldType.string);
  return field ? Array.from(field.values, (v) => (v === null || v === undefined ? '' : String(v))) : undefined;
}

/**
 * Maps a frame of the backend's variable answer, string fields `text` and `value`, to variable
 * values. A frame with only one of them uses it for both; a frame with neither uses its first
 * string field, so an unexpected frame still gives usable values rather than none.
 */
export function frameToMetricFindValues(frame: DataFrame): MetricFindValue[] {
  const firstString = frame.fields.find((f) => f.type === FieldType.string)?.name;
  const texts = stringValues(frame, 'text') ?? stringValues(frame, 'value') ?? stringValues(frame, firstString ?? '');
  const values = stringValues(frame, 'value') ?? texts;
  if (!texts || !values) {
    return [];
  }
  return texts.map((text, i) => ({ text, value: values[i] }));
}

/** Maps every frame of a response to variable values, dropping empty values and repeats of a value. */
export function responseToMetricFindValues(data: DataFrame[]): MetricFindValue[] {
  const seen = new Set<string | number>();
  const out: MetricFindValue[] = [];
  for (const value of data.flatMap(frameToMetricFindValues)) {
    const key = value.value ?? value.text;
    if (key !== '' && !seen.has(key)) {
      seen.add(key);
      out.push(value);
    }
  }
  return out;
}
