import React from 'react';

import { Alert, InlineField, InlineFieldRow, Stack } from '@grafana/ui';

import { DEFAULT_MAX_LINES, DEFAULT_TOP_PATTERNS, MAX_LINES_RANGE, TOP_PATTERNS_RANGE } from '../../types';
import { ExprField } from './ExprField';
import { CountField, countsValid, SensitivityField } from './fields';
import { LABEL_WIDTH } from './options';
import { KindEditorProps } from './types';

/** A template variable at the start of the expression may hold the whole stream selector. */
const LEADING_VARIABLE = /^(\$\w|\$\{|\[\[)/;

/**
 * Returns an error when the expression cannot be a LogQL log query, which always starts with a
 * stream selector; undefined when it is empty, starts with `{` or starts with a template variable.
 */
export function logQueryError(expr: string | undefined): string | undefined {
  const text = (expr ?? '').trim();
  if (text === '' || text.startsWith('{') || LEADING_VARIABLE.test(text)) {
    return undefined;
  }
  return 'Start with a stream selector such as {app="api"}; metric queries such as rate(…) are not log queries';
}

/** Editor of a log patterns query: a LogQL log query, how many patterns to count and how many lines to read. */
export function PatternsEditor({ query, datasource, onChange, onRunQuery }: KindEditorProps) {
  const exprError = logQueryError(query.expr);

  // Runs the query unless a field the backend would reject is being edited.
  const runIfValid = () => {
    if (
      !logQueryError(query.expr) &&
      countsValid(query, [
        ['topPatterns', TOP_PATTERNS_RANGE],
        ['maxLines', MAX_LINES_RANGE],
      ])
    ) {
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      {datasource?.lokiConfigured === false && (
        <Alert severity="warning" title="Loki is not configured">
          Log patterns read their logs from Loki: set the Loki URL in the settings of this data source.
        </Alert>
      )}

      <InlineFieldRow>
        <InlineField
          label="LogQL"
          labelWidth={LABEL_WIDTH}
          grow
          invalid={Boolean(exprError)}
          error={exprError}
          tooltip="A LogQL stream selector with optional line filters, read from the Loki URL in the data source settings. Shift+Enter or leaving the field runs the query."
        >
          <ExprField
            id={`fs-query-expr-${query.refId}`}
            value={query.expr ?? ''}
            placeholder='{app="api"} |= "error"'
            onChange={(expr) => onChange({ ...query, expr })}
            onRunQuery={runIfValid}
          />
        </InlineField>
      </InlineFieldRow>

      <InlineFieldRow>
        <CountField
          field="topPatterns"
          label="Top patterns"
          labelWidth={LABEL_WIDTH}
          tooltip={`How many of the most frequent patterns get a count series, ${TOP_PATTERNS_RANGE.min} to ${TOP_PATTERNS_RANGE.max}`}
          range={TOP_PATTERNS_RANGE}
          defaultValue={DEFAULT_TOP_PATTERNS}
          width={12}
          query={query}
          onChange={onChange}
          onBlur={runIfValid}
        />
        <CountField
          field="maxLines"
          label="Max lines"
          tooltip="Most log lines read from Loki per query. More lines give more accurate counts but take longer; when the range holds more, the most recent lines are analysed and the panel says so."
          range={MAX_LINES_RANGE}
          defaultValue={DEFAULT_MAX_LINES}
          width={14}
          query={query}
          onChange={onChange}
          onBlur={runIfValid}
        />
      </InlineFieldRow>

      <InlineFieldRow>
        <SensitivityField
          tooltip="0 to 1. Higher flags a pattern as surging at a smaller rise in its rate."
          query={query}
          onChange={onChange}
          onAfterChange={runIfValid}
        />
      </InlineFieldRow>
    </Stack>
  );
}
