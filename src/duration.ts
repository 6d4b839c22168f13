/** A Prometheus duration: one or more number+unit pairs, largest unit first, e.g. 7d, 1h30m, 500ms. */
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Reports whether value is a Prometheus-style duration greater than zero. */
export function isValidDuration(value: string): boolean {
  const match = DURATION_RE.exec(value.trim());
  if (!match || value.trim() === '') {
    return false;
  }
  return match.slice(1).some((n) => n !== undefined && Number(n) > 0);
}

/** Reports whether value refers to a template variable, which only the server can resolve. */
export function hasTemplateVariable(value: string): boolean {
  return /\$\w|\$\{|\[\[/.test(value);
}

/**
 * Returns an error message for a duration field, or undefined when the value is acceptable:
 * empty (the default applies), a template variable, or a valid duration.
 */
export function durationError(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '' || hasTemplateVariable(value)) {
    return undefined;
  }
  return isValidDuration(value) ? undefined : 'Use a duration such as 12h, 7d or 1w (units: ms, s, m, h, d, w, y)';
}
