import React from 'react';

import { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import {
  DEFAULT_HORIZON,
  DEFAULT_INTERVAL_LEVEL,
  DEFAULT_SEASONALITY,
  DEFAULT_TRAINING_WINDOW,
  IntervalLevel,
  Seasonality,
} from '../../types';
import { ExprField } from './ExprField';
import { DurationField, durationsValid, LegendStepRow } from './fields';
import { LABEL_WIDTH, SEASONALITY_OPTIONS } from './options';
import { KindEditorProps } from './types';

const LEVEL_OPTIONS: Array<SelectableValue<IntervalLevel>> = [
  { label: '80%', value: 80, description: 'A narrower band: four in five future values fall inside it' },
  { label: '95%', value: 95, description: 'A wider band: nineteen in twenty future values fall inside it' },
];

/** Reads the threshold field: empty means no threshold. */
function parseThreshold(text: string): number | undefined {
  if (text.trim() === '') {
    return undefined;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Editor of a forecast query: a PromQL expression, the horizon and interval, an optional threshold. */
export function ForecastEditor({ query, onChange, onRunQuery }: KindEditorProps) {
  // Runs the query unless a field the backend would reject is being edited.
  const runIfValid = () => {
    if (durationsValid(query, ['trainingWindow', 'horizon', 'minStep'])) {
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
          tooltip="Each series the expression returns gets its own forecast. Shift+Enter or leaving the field runs the query."
        >
          <ExprField
            id={`fs-query-expr-${query.refId}`}
            value={query.expr ?? ''}
            placeholder='node_filesystem_avail_bytes{mountpoint="/"}'
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
          tooltip="History the models are fitted to, before the start of the panel's range: 12h, 7d, 2w…"
          placeholder={DEFAULT_TRAINING_WINDOW}
          width={12}
          query={query}
          onChange={onChange}
          onBlur={runIfValid}
        />
        <InlineField label="Seasonality" tooltip="Cycle the forecast repeats">
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
        <DurationField
          field="horizon"
          label="Horizon"
          labelWidth={LABEL_WIDTH}
          tooltip="How far past the end of the panel to forecast: 6h, 24h, 7d…"
          placeholder={DEFAULT_HORIZON}
          width={12}
          query={query}
          onChange={onChange}
          onBlur={runIfValid}
        />
        <InlineField label="Interval" tooltip="Coverage of the shaded prediction interval">
          <RadioButtonGroup<IntervalLevel>
            options={LEVEL_OPTIONS}
            value={query.intervalLevel ?? DEFAULT_INTERVAL_LEVEL}
            onChange={(intervalLevel) => {
              onChange({ ...query, intervalLevel });
              runIfValid();
            }}
          />
        </InlineField>
        <InlineField
          label="Threshold"
          tooltip="Optional. Each series gets the time until its forecast reaches this value (a disk's size, a quota), as a table and as an annotation spanning the interval; alert rules get it in seconds."
        >
          <Input
            id={`fs-query-threshold-${query.refId}`}
            type="number"
            width={14}
            value={query.threshold ?? ''}
            placeholder="none"
            onChange={(e) => onChange({ ...query, threshold: parseThreshold(e.currentTarget.value) })}
            onBlur={runIfValid}
          />
        </InlineField>
      </InlineFieldRow>

      <LegendStepRow query={query} onChange={onChange} onBlur={runIfValid} legendExample="{{mountpoint}}" />
    </Stack>
  );
}
