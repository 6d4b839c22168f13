import { TypedVariableModel } from '@grafana/data';

/** Escapes a value for use inside a double-quoted PromQL string. */
export function escapePromQLString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * Escapes the characters that are special in RE2 regular expressions, then escapes the result
 * for a PromQL string, so `a.b` matches literally inside `=~"…"`.
 */
export function escapePromQLRegex(value: string): string {
  return escapePromQLString(value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&'));
}

type VariableLike = Pick<TypedVariableModel, 'name'> & { multi?: boolean; includeAll?: boolean };

/**
 * Formats a template variable's value inside a PromQL expression, as the Prometheus data source
 * does: a single-value variable is inserted as it is, with backslashes doubled (so it can hold a
 * whole selector fragment such as `job="api"`); a multi-value or "Include All" variable is
 * regex-escaped and its values joined into an alternation, `(a|b)`, for `=~` matchers.
 */
export function formatPromQLVariable(value: string | string[], variable?: VariableLike): string {
  const multi = Boolean(variable?.multi || variable?.includeAll);
  if (!multi) {
    const single = Array.isArray(value) ? value.join(',') : String(value);
    return single.replace(/\\/g, '\\\\');
  }
  if (!Array.isArray(value)) {
    return escapePromQLRegex(String(value));
  }
  const escaped = value.map(escapePromQLRegex);
  return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
}

/**
 * Formats a template variable's value in a plain filter field (an incident's service or id): the
 * value as it is, or a multi-value selection joined with commas. Values are not escaped: the
 * receiver compares them as plain strings.
 */
export function formatPlainVariable(value: string | string[]): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}
