import React from 'react';

import { IncidentFilterEditor } from './IncidentFilterFields';
import { KindEditorProps } from './types';

/** Editor of an incident annotation query: which incidents are drawn as regions on time series panels. */
export function AnnotationsEditor(props: KindEditorProps) {
  return <IncidentFilterEditor {...props} limitTooltip="Most incidents drawn, most recent first" />;
}
