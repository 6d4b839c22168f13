import React from 'react';

import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import { DEFAULT_QUERY, FsOptions, FsQuery, QUERY_KIND_DEFINITIONS, QUERY_KINDS, QueryKind } from '../types';
import { KIND_EDITORS } from './query/kindEditors';

type Props = QueryEditorProps<DataSource, FsQuery, FsOptions>;

const KIND_OPTIONS: Array<SelectableValue<QueryKind>> = QUERY_KINDS.map((kind) => ({
  value: kind,
  label: QUERY_KIND_DEFINITIONS[kind].label,
  description: QUERY_KIND_DEFINITIONS[kind].description,
}));

/** Query editor: a kind selector, then the editor of the chosen kind. */
export function QueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const kind: QueryKind = query.kind && query.kind in KIND_EDITORS ? query.kind : 'anomaly';
  const KindEditor = KIND_EDITORS[kind];
  const current: FsQuery = { ...query, kind };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Kind" labelWidth={18} tooltip={QUERY_KIND_DEFINITIONS[kind].description}>
          <RadioButtonGroup<QueryKind>
            options={KIND_OPTIONS}
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
