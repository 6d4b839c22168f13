import React from 'react';

import { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';

import { AnomalyOutput, DEFAULT_OUTPUT, DEFAULT_SEASONALITY, DEFAULT_TRAINING_WINDOW, Seasonality } from '../../types';
import { ExprField } from './ExprField';
import { DurationField, durationsValid, LegendStepRow, SensitivityField } from './fields';
import { LABEL_WIDTH, SEASONALITY_OPTIONS } from './options';
import { KindEditorProps } from './types';

const OUTPUT_OPTIONS: Array<SelectableValue<AnomalyOutput>> = [
  { label: 'Bands', value: 'bands', description: 'Actual and predicted series with the expected band, for panels' },
  { label: 'Score', value: 'score', description: 'Only the anomaly score series, for alert rules' },
];

/** Editor of an anomaly query: a PromQL expression and the model's settings. */
export function AnomalyEditor({ query, onChange, onRunQuery }: KindEditorProps) {
  // Runs the query unless a field the backend would reject is being edited.
  const runIfValid = () => {
    if (durationsValid(query, ['trainingWindow', 'minStep'])) {
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField
          label="PromQL"
          labelWidth={LABEL_WIDTH}
          grow
          tooltip="Each series the expression returns gets its own band. Shift+Enter or leaving the field runs the query."
        >
          <ExprField
            id={`fs-query-expr-${query.refId}`}
            value={query.expr ?? ''}
            placeholder='sum by (service) (rate(http_requests_total{job="api"}[5m]))'
            onChange={(expr) => onChange({ ...query, expr })}
            onRunQuery={runIfValid}
          />
        </InlineField>
      </InlineFieldRow>

      <InlineFieldRow>
        <DurationField
          field="trainingWindow"
          label="Training window"
          labelWidth={LABEL_WIDTH}
          tooltip="History used to fit the model, before the start of the panel's range: 12h, 7d, 2w…"
          placeholder={DEFAULT_TRAINING_WINDOW}
          width={12}
          query={query}
          onChange={onChange}
          onBlur={runIfValid}
        />
        <InlineField label="Seasonality" tooltip="Cycle the baseline follows">
          <RadioButtonGroup<Seasonality>
            options={SEASONALITY_OPTIONS}
            value={query.seasonality ?? DEFAULT_SEASONALITY}
            onChange={(seasonality) => {
              onChange({ ...query, seasonality });
              runIfValid();
            }}
          />
        </InlineField>
      </InlineFieldRow>

      <InlineFieldRow>
        <SensitivityField
          tooltip="0 to 1. Higher gives a narrower band, so more points are flagged as anomalies."
          query={query}
          onChange={onChange}
          onAfterChange={runIfValid}
        />
        <InlineField label="Output" tooltip="What the query returns">
          <RadioButtonGroup<AnomalyOutput>
            options={OUTPUT_OPTIONS}
            value={query.output ?? DEFAULT_OUTPUT}
            onChange={(output) => {
              onChange({ ...query, output });
              runIfValid();
            }}
          />
        </InlineField>
      </InlineFieldRow>

      <LegendStepRow query={query} onChange={onChange} onBlur={runIfValid} legendExample="{{service}}" />
    </Stack>
  );
}
