import React from 'react';

import { QueryEditorProps } from '@grafana/data';

import { toAnnotationQuery } from '../annotations';
import type { DataSource } from '../datasource';
import { FsOptions, FsQuery } from '../types';
import { AnnotationsEditor } from './query/AnnotationsEditor';

// Grafana types the annotation editor's data source loosely (QueryEditorProps<any, TQuery>); it is
// this plugin's DataSource.
type Props = Omit<QueryEditorProps<DataSource, FsQuery, FsOptions>, 'datasource'> & { datasource?: unknown };

/** Editor of an annotation query: which of the receiver's incidents are drawn as regions. */
export function AnnotationQueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  return (
    <AnnotationsEditor
      datasource={datasource as DataSource | undefined}
      query={toAnnotationQuery(query)}
      onChange={onChange}
      onRunQuery={onRunQuery}
    />
  );
}
