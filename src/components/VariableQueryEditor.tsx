import React from 'react';

import { QueryEditorProps } from '@grafana/data';

import type { DataSource } from '../datasource';
import { FsOptions, FsQuery } from '../types';
import { toVariableQuery } from '../variables';
import { VariablesEditor } from './query/VariablesEditor';

type Props = QueryEditorProps<DataSource, FsQuery, FsOptions, FsQuery>;

/** Editor of a query variable: what the variable lists. A bare string saved by hand is read as well. */
export function VariableQueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  return (
    <VariablesEditor
      datasource={datasource}
      query={toVariableQuery(query as FsQuery | string | undefined, query?.refId)}
      onChange={onChange}
      onRunQuery={onRunQuery}
    />
  );
}
