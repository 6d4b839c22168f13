import { ComponentType } from 'react';

import { QueryKind } from '../../types';
import { AnnotationsEditor } from './AnnotationsEditor';
import { AnomalyEditor } from './AnomalyEditor';
import { ForecastEditor } from './ForecastEditor';
import { HypothesesEditor } from './HypothesesEditor';
import { IncidentsEditor } from './IncidentsEditor';
import { PatternsEditor } from './PatternsEditor';
import { KindEditorProps } from './types';
import { VariablesEditor } from './VariablesEditor';

/** The editor of each query kind; the Record type makes a new kind fail to compile until it has one. */
export const KIND_EDITORS: Record<QueryKind, ComponentType<KindEditorProps>> = {
  anomaly: AnomalyEditor,
  forecast: ForecastEditor,
  patterns: PatternsEditor,
  incidents: IncidentsEditor,
  hypotheses: HypothesesEditor,
  annotations: AnnotationsEditor,
  variables: VariablesEditor,
};
