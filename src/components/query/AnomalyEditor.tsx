import React from 'react';

import { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup, Slider, Stack } from '@grafana/ui';

import { durationError } from '../../duration';
import {
  AnomalyOutput,
  DEFAULT_OUTPUT,
  DEFAULT_SEASONALITY,
  DEFAULT_SENSITIVITY,
  DEFAULT_TRAINING_WINDOW,
  Seasonality,
} from '../../types';
import { ExprField } from './ExprField';
import { LABEL_WIDTH, SEASONALITY_OPTIONS } from './options';
import { KindEditorProps } from './types';

const OUTPUT_OPTIONS: Array<SelectableValue<AnomalyOutput>> = [
  { label: 'Bands', value: 'bands', description: 'Actual and predicted series with the expected band, for panels' },
  { label: 'Score', value: 'score', description: 'Only the anomaly score series, for alert rules' },
];

/** Editor of an anomaly query: a PromQL expression and the model's settings. */
export function AnomalyEditor({ query, onChange, onRunQuery }: KindEditorProps) {
  const trainingWindowError = durationError(query.trainingWindow);
  const minStepError = durationError(query.minStep);

  // Runs the query unless a field the backend would reject is being edited.
  const runIfValid = () => {
    if (!trainingWindowError && !minStepError) {
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
        <InlineField
          label="Training window"
          labelWidth={LABEL_WIDTH}
          tooltip="History used to fit the model, before the start of the panel's range: 12h, 7d, 2w…"
          invalid={Boolean(trainingWindowError)}
          error={trainingWindowError}
        >
          <Input
            id={`fs-query-trainingWindow-${query.refId}`}
            width={12}
            value={query.trainingWindow ?? ''}
            placeholder={DEFAULT_TRAINING_WINDOW}
            onChange={(e) => onChange({ ...query, trainingWindow: e.currentTarget.value })}
            onBlur={runIfValid}
          />
        </InlineField>
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
        <InlineField
          label="Sensitivity"
          htmlFor={`fs-query-sensitivity-${query.refId}`}
          labelWidth={LABEL_WIDTH}
          tooltip="0 to 1. Higher gives a narrower band, so more points are flagged as anomalies."
        >
          <div style={{ width: 320 }}>
            <Slider
              inputId={`fs-query-sensitivity-${query.refId}`}
              min={0}
              max={1}
              step={0.05}
              value={query.sensitivity ?? DEFAULT_SENSITIVITY}
              onChange={(sensitivity) => onChange({ ...query, sensitivity })}
              onAfterChange={runIfValid}
            />
          </div>
        </InlineField>
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

      <InlineFieldRow>
        <InlineField
          label="Legend"
          labelWidth={LABEL_WIDTH}
          tooltip="Series name template using label values, like Prometheus: {{service}} on {{instance}}"
        >
          <Input
            id={`fs-query-legendFormat-${query.refId}`}
            width={30}
            value={query.legendFormat ?? ''}
            placeholder="{{service}}"
            onChange={(e) => onChange({ ...query, legendFormat: e.currentTarget.value })}
            onBlur={runIfValid}
          />
        </InlineField>
        <InlineField
          label="Min step"
          tooltip="Lower bound for the query resolution step, a duration such as 30s or 5m"
          invalid={Boolean(minStepError)}
          error={minStepError}
        >
          <Input
            id={`fs-query-minStep-${query.refId}`}
            width={10}
            value={query.minStep ?? ''}
            placeholder="auto"
            onChange={(e) => onChange({ ...query, minStep: e.currentTarget.value })}
            onBlur={runIfValid}
          />
        </InlineField>
      </InlineFieldRow>
    </Stack>
  );
}
