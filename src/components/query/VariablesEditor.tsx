import React from 'react';

import { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';

import { DEFAULT_VARIABLE, VariableTarget } from '../../types';
import { LABEL_WIDTH } from './options';
import { ReceiverWarning } from './ReceiverWarning';
import { KindEditorProps } from './types';

const VARIABLE_OPTIONS: Array<SelectableValue<VariableTarget>> = [
  { label: 'Services', value: 'services', description: "Services involved in incidents in the dashboard's range" },
  {
    label: 'Open incidents',
    value: 'incidents',
    description: 'Open and acknowledged incidents: the id as value, "<id> <title>" as text',
  },
];

/** Editor of a variable query: what the dashboard variable lists. */
export function VariablesEditor({ query, datasource, onChange, onRunQuery }: KindEditorProps) {
  return (
    <Stack direction="column" gap={0}>
      <ReceiverWarning datasource={datasource} />
      <InlineFieldRow>
        <InlineField label="Values" labelWidth={LABEL_WIDTH} tooltip="What the variable lists">
          <RadioButtonGroup<VariableTarget>
            options={VARIABLE_OPTIONS}
            value={query.variable ?? DEFAULT_VARIABLE}
            onChange={(variable) => {
              onChange({ ...query, variable });
              onRunQuery();
            }}
          />
        </InlineField>
      </InlineFieldRow>
    </Stack>
  );
}
