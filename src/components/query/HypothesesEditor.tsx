import React from 'react';

import { InlineField, InlineFieldRow, Input, Stack } from '@grafana/ui';

import { DEFAULT_LIMIT, LIMIT_RANGE } from '../../types';
import { CountField, countsValid } from './fields';
import { LABEL_WIDTH } from './options';
import { ReceiverWarning } from './ReceiverWarning';
import { KindEditorProps } from './types';

/** Editor of a hypotheses query: the ranked root-cause hypotheses of one incident or of every open one. */
export function HypothesesEditor({ query, datasource, onChange, onRunQuery }: KindEditorProps) {
  const runIfValid = () => {
    if (countsValid(query, [['limit', LIMIT_RANGE]])) {
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <ReceiverWarning datasource={datasource} />
      <InlineFieldRow>
        <InlineField
          label="Incident"
          labelWidth={LABEL_WIDTH}
          tooltip="Id of the incident whose hypotheses are listed; accepts a template variable such as $incident. Empty: every open or acknowledged incident in the range."
        >
          <Input
            id={`fs-query-incidentId-${query.refId}`}
            width={30}
            value={query.incidentId ?? ''}
            placeholder="every open incident"
            onChange={(e) => onChange({ ...query, incidentId: e.currentTarget.value })}
            onBlur={runIfValid}
          />
        </InlineField>
        <CountField
          field="limit"
          label="Limit"
          tooltip={`Most incidents whose hypotheses are listed when no incident is named, ${LIMIT_RANGE.min} to ${LIMIT_RANGE.max}`}
          range={LIMIT_RANGE}
          defaultValue={DEFAULT_LIMIT}
          width={10}
          query={query}
          onChange={onChange}
          onBlur={runIfValid}
        />
      </InlineFieldRow>
    </Stack>
  );
}
