import { SelectableValue } from '@grafana/data';

import { Seasonality } from '../../types';

/** Seasonality choices shared by the editors of every kind that models a cycle. */
export const SEASONALITY_OPTIONS: Array<SelectableValue<Seasonality>> = [
  { label: 'Auto', value: 'auto', description: 'Detect daily and weekly cycles from the training data' },
  { label: 'None', value: 'none', description: 'No seasonal cycle' },
  { label: 'Daily', value: 'daily', description: 'A 24-hour cycle' },
  { label: 'Weekly', value: 'weekly', description: 'A 7-day cycle' },
];

/** Width of the labels of every kind's editor, so their fields line up. */
export const LABEL_WIDTH = 18;
