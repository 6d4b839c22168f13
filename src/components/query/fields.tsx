import React from 'react';

import { InlineField, InlineFieldRow, Input, Slider } from '@grafana/ui';

import { durationError } from '../../duration';
import { CountRange, DEFAULT_SENSITIVITY, FsQuery } from '../../types';
import { LABEL_WIDTH } from './options';

/** Query fields that hold a Prometheus duration. */
type DurationKey = 'trainingWindow' | 'horizon' | 'minStep';

interface DurationFieldProps {
  field: DurationKey;
  label: string;
  tooltip: string;
  placeholder: string;
  width: number;
  labelWidth?: number;
  query: FsQuery;
  onChange: (query: FsQuery) => void;
  onBlur: () => void;
}

/** A duration input that shows the backend's objection to the text while it is typed. */
export function DurationField({
  field,
  label,
  tooltip,
  placeholder,
  width,
  labelWidth,
  query,
  onChange,
  onBlur,
}: DurationFieldProps) {
  const error = durationError(query[field]);
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={Boolean(error)} error={error}>
      <Input
        id={`fs-query-${field}-${query.refId}`}
        width={width}
        value={query[field] ?? ''}
        placeholder={placeholder}
        onChange={(e) => onChange({ ...query, [field]: e.currentTarget.value })}
        onBlur={onBlur}
      />
    </InlineField>
  );
}

/** True when every duration field the query has is one the backend accepts. */
export function durationsValid(query: FsQuery, fields: DurationKey[]): boolean {
  return fields.every((f) => !durationError(query[f]));
}

/** Query fields that hold a whole number within a range. */
type CountKey = 'topPatterns' | 'maxLines' | 'limit';

/** Returns an error for a whole-number field, or undefined when it is empty (the default applies) or within range. */
export function countError(value: number | undefined, range: CountRange): string | undefined {
  if (value === undefined || (Number.isInteger(value) && value >= range.min && value <= range.max)) {
    return undefined;
  }
  return `Use a whole number from ${range.min.toLocaleString('en-US')} to ${range.max.toLocaleString('en-US')}`;
}

interface CountFieldProps {
  field: CountKey;
  label: string;
  tooltip: string;
  range: CountRange;
  /** The backend's default, shown while the field is empty. */
  defaultValue: number;
  width: number;
  labelWidth?: number;
  query: FsQuery;
  onChange: (query: FsQuery) => void;
  onBlur: () => void;
}

/** A whole-number input that shows an error while the value is outside the range the backend accepts. */
export function CountField({
  field,
  label,
  tooltip,
  range,
  defaultValue,
  width,
  labelWidth,
  query,
  onChange,
  onBlur,
}: CountFieldProps) {
  const error = countError(query[field], range);
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={Boolean(error)} error={error}>
      <Input
        id={`fs-query-${field}-${query.refId}`}
        type="number"
        min={range.min}
        max={range.max}
        width={width}
        value={query[field] ?? ''}
        placeholder={String(defaultValue)}
        onChange={(e) => {
          const raw = e.currentTarget.value.trim();
          onChange({ ...query, [field]: raw === '' ? undefined : Number(raw) });
        }}
        onBlur={onBlur}
      />
    </InlineField>
  );
}

/** True when every whole-number field the query has is within the range the backend accepts. */
export function countsValid(query: FsQuery, fields: Array<[CountKey, CountRange]>): boolean {
  return fields.every(([f, range]) => !countError(query[f], range));
}

interface SensitivityFieldProps {
  /** What a higher sensitivity does for this kind. */
  tooltip: string;
  query: FsQuery;
  onChange: (query: FsQuery) => void;
  /** Called when the slider is released or the number edited. */
  onAfterChange: () => void;
}

/** The sensitivity slider, 0 to 1 in steps of 0.05, showing the backend's default when unset. */
export function SensitivityField({ tooltip, query, onChange, onAfterChange }: SensitivityFieldProps) {
  const id = `fs-query-sensitivity-${query.refId}`;
  return (
    <InlineField label="Sensitivity" htmlFor={id} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <div style={{ width: 320 }}>
        <Slider
          inputId={id}
          min={0}
          max={1}
          step={0.05}
          value={query.sensitivity ?? DEFAULT_SENSITIVITY}
          onChange={(sensitivity) => onChange({ ...query, sensitivity })}
          onAfterChange={onAfterChange}
        />
      </div>
    </InlineField>
  );
}

interface LegendStepRowProps {
  query: FsQuery;
  onChange: (query: FsQuery) => void;
  onBlur: () => void;
  /** A label template suited to the kind's typical series, shown as the placeholder. */
  legendExample: string;
}

/** The last row of every Prometheus-backed editor: series naming and the minimum step. */
export function LegendStepRow({ query, onChange, onBlur, legendExample }: LegendStepRowProps) {
  return (
    <InlineFieldRow>
      <InlineField
        label="Legend"
        labelWidth={LABEL_WIDTH}
        tooltip={`Series name template using label values, like Prometheus: ${legendExample} on {{instance}}`}
      >
        <Input
          id={`fs-query-legendFormat-${query.refId}`}
          width={30}
          value={query.legendFormat ?? ''}
          placeholder={legendExample}
          onChange={(e) => onChange({ ...query, legendFormat: e.currentTarget.value })}
          onBlur={onBlur}
        />
      </InlineField>
      <DurationField
        field="minStep"
        label="Min step"
        tooltip="Lower bound for the query resolution step, a duration such as 30s or 5m"
        placeholder="auto"
        width={10}
        query={query}
        onChange={onChange}
        onBlur={onBlur}
      />
    </InlineFieldRow>
  );
}
