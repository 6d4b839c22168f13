import React from 'react';

import { Stack } from '@grafana/ui';

import { FsQuery } from '../../types';
import { IncidentFilterFields, incidentFilterValid } from './IncidentFilterFields';
import { ReceiverWarning } from './ReceiverWarning';
import { KindEditorProps } from './types';

/** Editor of an incidents query: a table of the receiver's incidents overlapping the panel's range. */
export function IncidentsEditor({ query, datasource, onChange, onRunQuery }: KindEditorProps) {
  // Runs the query unless a field the backend would reject is being edited.
  const runIfValid = (q: FsQuery) => {
    if (incidentFilterValid(q)) {
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <ReceiverWarning datasource={datasource} />
      <IncidentFilterFields
        query={query}
        onChange={onChange}
        runIfValid={runIfValid}
        limitTooltip="Most incidents listed, most recent first"
      />
    </Stack>
  );
}
