import { css } from '@emotion/css';
import React from 'react';

import { GrafanaTheme2 } from '@grafana/data';

import { Checkbox, InlineField, InlineFieldRow, Input, Stack, useStyles2 } from '@grafana/ui';

import { DEFAULT_LIMIT, DEFAULT_STATES, FsQuery, INCIDENT_STATES, IncidentState, LIMIT_RANGE } from '../../types';
import { CountField, countsValid } from './fields';
import { LABEL_WIDTH } from './options';
import { ReceiverWarning } from './ReceiverWarning';
import { KindEditorProps } from './types';

const STATE_LABELS: Record<IncidentState, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  merged: 'Merged',
};

/** The states a query selects: its own when set, else the backend's default. */
export function selectedStates(query: FsQuery): IncidentState[] {
  return query.states ?? DEFAULT_STATES;
}

/** Returns an error when the query selects no state, which would make every panel empty. */
export function statesError(query: FsQuery): string | undefined {
  return query.states !== undefined && query.states.length === 0 ? 'Pick at least one state' : undefined;
}

/** True when the query's incident filter is one the backend accepts. */
export function incidentFilterValid(query: FsQuery): boolean {
  return !statesError(query) && countsValid(query, [['limit', LIMIT_RANGE]]);
}

interface Props {
  query: FsQuery;
  onChange: (query: FsQuery) => void;
  /** Runs the query if every field is valid. */
  runIfValid: (query: FsQuery) => void;
  /** What the limit counts, for its tooltip. */
  limitTooltip: string;
}

interface StatesGroupProps {
  query: FsQuery;
  states: IncidentState[];
  onToggle: (state: IncidentState, checked: boolean) => void;
  /** Set by InlineField on its child; taken here so it does not reach the DOM. */
  invalid?: boolean;
}

/** One checkbox per incident state. */
function StatesGroup({ query, states, onToggle, invalid }: StatesGroupProps) {
  const styles = useStyles2(getStyles);
  return (
    <div role="group" aria-label="Incident states" className={styles.states}>
      {INCIDENT_STATES.map((state) => (
        <Checkbox
          key={state}
          // Explicit ids: without them every checkbox takes the InlineField's one.
          id={`fs-query-state-${state}-${query.refId}`}
          label={STATE_LABELS[state]}
          value={states.includes(state)}
          invalid={invalid}
          onChange={(e) => onToggle(state, e.currentTarget.checked)}
        />
      ))}
    </div>
  );
}

/** The incident filter shared by incident tables and incident annotations: states, service and limit. */
export function IncidentFilterFields({ query, onChange, runIfValid, limitTooltip }: Props) {
  const states = selectedStates(query);
  const error = statesError(query);

  const toggle = (state: IncidentState, checked: boolean) => {
    // Keep the canonical order so saved queries do not change with the order of clicks.
    const next = INCIDENT_STATES.filter((s) => (s === state ? checked : states.includes(s)));
    const updated = { ...query, states: next };
    onChange(updated);
    runIfValid(updated);
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField
          label="States"
          labelWidth={LABEL_WIDTH}
          tooltip="Incident states to include; open and acknowledged by default"
          invalid={Boolean(error)}
          error={error}
        >
          <StatesGroup query={query} states={states} onToggle={toggle} />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Service"
          labelWidth={LABEL_WIDTH}
          tooltip="Only incidents that involve this service; accepts a template variable such as $service. Empty: every service."
        >
          <Input
            id={`fs-query-service-${query.refId}`}
            width={30}
            value={query.service ?? ''}
            placeholder="all services"
            onChange={(e) => onChange({ ...query, service: e.currentTarget.value })}
            onBlur={() => runIfValid(query)}
          />
        </InlineField>
        <CountField
          field="limit"
          label="Limit"
          tooltip={`${limitTooltip}, ${LIMIT_RANGE.min} to ${LIMIT_RANGE.max}`}
          range={LIMIT_RANGE}
          defaultValue={DEFAULT_LIMIT}
          width={10}
          query={query}
          onChange={onChange}
          onBlur={() => runIfValid(query)}
        />
      </InlineFieldRow>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  states: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    padding: theme.spacing(0, 1),
  }),
});

/**
 * The whole editor of a query that filters incidents (incidents tables and annotations):
 * the receiver warning and the filter fields, running the query only when it is valid.
 */
export function IncidentFilterEditor({
  query,
  datasource,
  onChange,
  onRunQuery,
  limitTooltip,
}: KindEditorProps & { limitTooltip: string }) {
  // Runs the query unless a field the backend would reject is being edited.
  const runIfValid = (q: FsQuery) => {
    if (incidentFilterValid(q)) {
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <ReceiverWarning datasource={datasource} />
      <IncidentFilterFields query={query} onChange={onChange} runIfValid={runIfValid} limitTooltip={limitTooltip} />
    </Stack>
  );
}
