import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { ComponentType, useState } from 'react';

import type { DataSource } from '../../datasource';
import { FsQuery } from '../../types';

/** Props every editor under test takes: the kind editors, QueryEditor and the variable and annotation editors. */
interface EditorProps {
  query: FsQuery;
  datasource: DataSource;
  onChange: (query: FsQuery) => void;
  onRunQuery: () => void;
}

/**
 * Renders an editor the way Grafana does: the query is kept in state and passed back in, so
 * typing accumulates. Returns the user-event handle, the mocks and the last query sent.
 */
export function renderEditor(Editor: ComponentType<EditorProps>, initial: FsQuery, datasource = {} as DataSource) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <Editor
        query={query}
        datasource={datasource}
        onChange={(next) => {
          onChange(next);
          setQuery(next);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Harness />);
  const last = (): FsQuery => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { user: userEvent.setup(), onChange, onRunQuery, last };
}
