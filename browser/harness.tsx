// A page that renders the plugin's editors outside Grafana, with Grafana's theme and global
// styles, and prints the state Grafana would hold (the query, the settings) so a browser check
// can assert what each interaction sent through onChange.
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';

import { createTheme, DataSourceSettings } from '@grafana/data';
import { GlobalStyles, ThemeContext } from '@grafana/ui';

import { AnnotationQueryEditor } from '../src/components/AnnotationQueryEditor';
import { ConfigEditor } from '../src/components/ConfigEditor';
import { QueryEditor } from '../src/components/QueryEditor';
import { VariableQueryEditor } from '../src/components/VariableQueryEditor';
import type { DataSource } from '../src/datasource';
import { DEFAULT_QUERY, FsOptions, FsQuery, FsSecureOptions } from '../src/types';

type Settings = DataSourceSettings<FsOptions, FsSecureOptions>;

const initialSettings = {
  id: 1,
  uid: 'foresight',
  orgId: 1,
  name: 'Foresight',
  type: 'foresight-aiops-datasource',
  typeName: 'Foresight AIOps',
  typeLogoUrl: '',
  access: 'proxy',
  url: '',
  user: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  readOnly: false,
  withCredentials: false,
  jsonData: { prometheusUrl: '' },
  secureJsonFields: {},
} as unknown as Settings;

// The editors read only these two flags of the data source; the real one needs a running Grafana.
const datasource = { lokiConfigured: true, receiverConfigured: true } as DataSource;

const theme = createTheme({
  colors: { mode: new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark' },
});

/** One editor with the state it last sent and how often it asked to run. */
function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section data-testid={id} style={{ marginBottom: 32 }}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function State({ id, value, runs }: { id: string; value: unknown; runs?: number }) {
  return (
    <>
      {runs !== undefined && <div data-testid={`${id}-runs`}>{runs}</div>}
      <pre data-testid={id} style={{ fontSize: 11 }}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </>
  );
}

/** A query editor under test, with its state kept as Grafana keeps it. */
function useQueryState(initial: FsQuery) {
  const [query, setQuery] = useState(initial);
  const [runs, setRuns] = useState(0);
  return { query, onChange: setQuery, onRunQuery: () => setRuns((n) => n + 1), runs };
}

function Harness() {
  const [settings, setSettings] = useState(initialSettings);
  const panel = useQueryState({ refId: 'A', ...DEFAULT_QUERY } as FsQuery);
  const variable = useQueryState({ refId: 'variable' } as FsQuery);
  const annotation = useQueryState({ refId: 'Anno', kind: 'annotations', expr: '' });

  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: 24, maxWidth: 1200 }}>
        <Section id="config" title="Data source settings">
          <ConfigEditor options={settings} onOptionsChange={setSettings} />
          <State id="config-state" value={{ jsonData: settings.jsonData, secureJsonData: settings.secureJsonData }} />
        </Section>
        <Section id="query" title="Panel query">
          <QueryEditor
            datasource={datasource}
            query={panel.query}
            onChange={panel.onChange}
            onRunQuery={panel.onRunQuery}
          />
          <State id="query-state" value={panel.query} runs={panel.runs} />
        </Section>
        <Section id="variable" title="Variable query">
          <VariableQueryEditor
            datasource={datasource}
            query={variable.query}
            onChange={variable.onChange}
            onRunQuery={variable.onRunQuery}
          />
          <State id="variable-state" value={variable.query} runs={variable.runs} />
        </Section>
        <Section id="annotation" title="Annotation query">
          <AnnotationQueryEditor
            datasource={datasource}
            query={annotation.query}
            onChange={annotation.onChange}
            onRunQuery={annotation.onRunQuery}
          />
          <State id="annotation-state" value={annotation.query} runs={annotation.runs} />
        </Section>
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
