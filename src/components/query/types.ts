import { FsQuery } from '../../types';

/** Props of the editor of one query kind. */
export interface KindEditorProps {
  query: FsQuery;
  onChange: (query: FsQuery) => void;
  onRunQuery: () => void;
}
