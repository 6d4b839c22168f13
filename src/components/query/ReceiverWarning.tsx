import React from 'react';

import { Alert } from '@grafana/ui';

import type { DataSource } from '../../datasource';

interface Props {
  datasource?: DataSource;
}

/** Warns that the receiver is not configured, since the incident kinds have nothing else to read. */
export function ReceiverWarning({ datasource }: Props) {
  if (datasource?.receiverConfigured !== false) {
    return null;
  }
  return (
    <Alert severity="warning" title="The Foresight receiver is not configured">
      Incidents and their hypotheses come from the Foresight receiver: set the receiver URL and token in the settings of
      this data source.
    </Alert>
  );
}
