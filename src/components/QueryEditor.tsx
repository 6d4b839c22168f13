import React from 'react';

import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import {
  DEFAULT_QUERY,
  FsOptions,
  FsQuery,
  isQueryKind,
  QUERY_KIND_DEFINITIONS,
  QUERY_KINDS,
  QueryKind,
} from '../types';
import { KIND_EDITORS } from './query/kindEditors';

type Props = QueryEditorProps<DataSource, FsQuery, FsOptions>;

const kindOption = (kind: QueryKind): SelectableValue<QueryKind> => ({
  value: kind,
  label: QUERY_KIND_DEFINITIONS[kind].label,
  description: QUERY_KIND_DEFINITIONS[kind].description,
});

const PANEL_KIND_OPTIONS = QUERY_KINDS.filter((kind) => QUERY_KIND_DEFINITIONS[kind].panel).map(kindOption);

/** The panel kinds, plus the query's own kind when it is one of the others (so it still shows as selected). */
function kindOptions(current: QueryKind): Array<SelectableValue<QueryKind>> {
  return QUERY_KIND_DEFINITIONS[current].panel ? PANEL_KIND_OPTIONS : [...PANEL_KIND_OPTIONS, kindOption(current)];
}

/**
 * Query editor: a kind selector, then the editor of the chosen kind. Kinds without an expression
 * (incidents, hypotheses) have editors without an expression field.
 */
export function QueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const kind: QueryKind = isQueryKind(query.kind) ? query.kind : 'anomaly';
  const KindEditor = KIND_EDITORS[kind];
  const current: FsQuery = { ...query, kind };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Kind" labelWidth={18} tooltip={QUERY_KIND_DEFINITIONS[kind].description}>
          <RadioButtonGroup<QueryKind>
            options={kindOptions(kind)}
            value={kind}
            onChange={(next) => {
              // A new kind starts from the defaults, keeping the expression if it reads the same language.
              const sameLanguage = QUERY_KIND_DEFINITIONS[next].language === QUERY_KIND_DEFINITIONS[kind].language;
              onChange({ ...DEFAULT_QUERY, ...query, kind: next, expr: sameLanguage ? (query.expr ?? '') : '' });
              onRunQuery();
            }}
          />
        </InlineField>
      </InlineFieldRow>
      <KindEditor query={current} datasource={datasource} onChange={onChange} onRunQuery={onRunQuery} />
    </Stack>
  );
}
