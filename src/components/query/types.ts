import type { DataSource } from '../../datasource';
import { FsQuery } from '../../types';

/** Props of the editor of one query kind. */
export interface KindEditorProps {
  query: FsQuery;
  /** The data source the query runs on, for editors that depend on its settings. */
  datasource?: DataSource;
  onChange: (query: FsQuery) => void;
  onRunQuery: () => void;
}
