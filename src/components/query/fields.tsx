import React from 'react';

import { InlineField, InlineFieldRow, Input } from '@grafana/ui';

import { durationError } from '../../duration';
import { FsQuery } from '../../types';
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
