import { ComponentType } from 'react';

import { QueryKind } from '../../types';
import { AnomalyEditor } from './AnomalyEditor';
import { ForecastEditor } from './ForecastEditor';
import { PatternsEditor } from './PatternsEditor';
import { KindEditorProps } from './types';

/** The editor of each query kind; the Record type makes a new kind fail to compile until it has one. */
export const KIND_EDITORS: Record<QueryKind, ComponentType<KindEditorProps>> = {
  anomaly: AnomalyEditor,
  forecast: ForecastEditor,
  patterns: PatternsEditor,
};
