import React from 'react';

import { Stack } from '@grafana/ui';

import { FsQuery } from '../../types';
import { IncidentFilterFields, incidentFilterValid } from './IncidentFilterFields';
import { ReceiverWarning } from './ReceiverWarning';
import { KindEditorProps } from './types';

/** Editor of an incident annotation query: which incidents are drawn as regions on time series panels. */
export function AnnotationsEditor({ query, datasource, onChange, onRunQuery }: KindEditorProps) {
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
        limitTooltip="Most incidents drawn, most recent first"
      />
    </Stack>
  );
}
