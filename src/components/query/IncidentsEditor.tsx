import React from 'react';

import { IncidentFilterEditor } from './IncidentFilterFields';
import { KindEditorProps } from './types';

/** Editor of an incidents query: a table of the receiver's incidents overlapping the panel's range. */
export function IncidentsEditor(props: KindEditorProps) {
  return <IncidentFilterEditor {...props} limitTooltip="Most incidents listed, most recent first" />;
}
