import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { DataSource } from '../datasource';
import { DEFAULT_QUERY, FsQuery, QUERY_KIND_DEFINITIONS, QUERY_KINDS } from '../types';
import { QueryEditor } from './QueryEditor';
import { KIND_EDITORS } from './query/kindEditors';

// Grafana keeps the query in state and passes it back in: do the same so typing accumulates.
function setup(initial: FsQuery, datasource = {} as DataSource) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        datasource={datasource}
        query={query}
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

const newQuery = (): FsQuery => ({ refId: 'A', ...DEFAULT_QUERY }) as FsQuery;

describe('QueryEditor', () => {
  it('renders the defaults of a new query', () => {
    setup(newQuery());
    expect(screen.getByRole('radio', { name: 'Anomaly' })).toBeChecked();
    expect(screen.getByLabelText('PromQL')).toHaveValue('');
    expect(screen.getByLabelText('Training window')).toHaveValue('7d');
    expect(screen.getByRole('radio', { name: 'Auto' })).toBeChecked();
    expect(screen.getByLabelText('Sensitivity')).toHaveValue('0.5');
    expect(screen.getByRole('radio', { name: 'Bands' })).toBeChecked();
    expect(screen.getByLabelText('Legend')).toHaveValue('');
  });

  it('shows the defaults for a query saved without optional fields', () => {
    setup({ refId: 'A', expr: 'up' } as FsQuery);
    expect(screen.getByRole('radio', { name: 'Anomaly' })).toBeChecked();
    expect(screen.getByLabelText('Training window')).toHaveAttribute('placeholder', '7d');
    expect(screen.getByRole('radio', { name: 'Auto' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'Bands' })).toBeChecked();
  });

  it('sends the expression through onChange and runs on blur', async () => {
    const { user, last, onRunQuery } = setup(newQuery());
    // user-event reads `[` as the start of a key name: `[[` types a literal one.
    await user.type(screen.getByLabelText('PromQL'), 'sum(rate(errors_total[[5m]))');
    expect(last()).toMatchObject({ refId: 'A', kind: 'anomaly', expr: 'sum(rate(errors_total[5m]))' });
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('runs on Shift+Enter without adding a new line', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up' });
    await user.click(screen.getByLabelText('PromQL'));
    await user.keyboard('{Shift>}{Enter}{/Shift}');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText('PromQL')).toHaveValue('up');
    await user.keyboard('{Enter}');
    expect(last().expr).toBe('up\n');
  });

  it('changes seasonality and runs the query', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up' });
    await user.click(screen.getByRole('radio', { name: 'Weekly' }));
    expect(last().seasonality).toBe('weekly');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('changes sensitivity and runs the query when editing ends', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up' });
    const sensitivity = screen.getByLabelText('Sensitivity');
    await user.clear(sensitivity);
    await user.type(sensitivity, '0.8');
    expect(last().sensitivity).toBe(0.8);
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.blur(sensitivity);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps sensitivity within 0..1 in steps of 0.05', async () => {
    const { user, last } = setup({ ...newQuery(), expr: 'up' });
    const sensitivity = screen.getByLabelText('Sensitivity');
    await user.clear(sensitivity);
    await user.type(sensitivity, '3');
    expect(last().sensitivity).toBe(1);
    await user.clear(sensitivity);
    await user.type(sensitivity, '0.33');
    expect(last().sensitivity).toBe(0.35);
  });

  it('changes output to score', async () => {
    const { user, last } = setup({ ...newQuery(), expr: 'up' });
    await user.click(screen.getByRole('radio', { name: 'Score' }));
    expect(last().output).toBe('score');
  });

  it('shows an error for an invalid training window and does not run the query', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up' });
    const window = screen.getByLabelText('Training window');
    await user.clear(window);
    await user.type(window, '7 days');
    expect(last().trainingWindow).toBe('7 days');
    expect(screen.getByText(/Use a duration such as/)).toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.clear(window);
    await user.type(window, '2w');
    expect(screen.queryByText(/Use a duration such as/)).not.toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(last().trainingWindow).toBe('2w');
  });

  it('accepts a template variable as training window', async () => {
    const { user } = setup({ ...newQuery(), expr: 'up', trainingWindow: '' });
    await user.type(screen.getByLabelText('Training window'), '$window');
    expect(screen.queryByText(/Use a duration such as/)).not.toBeInTheDocument();
  });

  it('validates the minimum step', async () => {
    const { user, last } = setup({ ...newQuery(), expr: 'up' });
    await user.type(screen.getByLabelText('Min step'), '30x');
    expect(screen.getByText(/Use a duration such as/)).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Min step'));
    await user.type(screen.getByLabelText('Min step'), '30s');
    expect(last().minStep).toBe('30s');
    expect(screen.queryByText(/Use a duration such as/)).not.toBeInTheDocument();
  });

  it('edits the legend and runs on blur', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up' });
    await user.click(screen.getByLabelText('Legend'));
    await user.paste('{{service}}');
    expect(last().legendFormat).toBe('{{service}}');
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('switches to a forecast, keeping the expression, and shows its fields', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'disk_used_bytes' });
    expect(screen.queryByLabelText('Horizon')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Forecast' }));
    expect(last()).toMatchObject({ kind: 'forecast', expr: 'disk_used_bytes' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('radio', { name: 'Forecast' })).toBeChecked();
    expect(screen.getByLabelText('Horizon')).toHaveAttribute('placeholder', '24h');
    expect(screen.queryByLabelText('Sensitivity')).not.toBeInTheDocument();
  });

  it('switches to log patterns, clearing the PromQL expression, and shows its fields', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up', legendFormat: '{{job}}' });
    await user.click(screen.getByRole('radio', { name: 'Log patterns' }));
    expect(last()).toMatchObject({ kind: 'patterns', expr: '', sensitivity: 0.5 });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('radio', { name: 'Log patterns' })).toBeChecked();
    expect(screen.getByLabelText('LogQL')).toHaveValue('');
    expect(screen.getByLabelText('Top patterns')).toHaveAttribute('placeholder', '10');
    expect(screen.getByLabelText('Max lines')).toHaveAttribute('placeholder', '20000');
    expect(screen.getByLabelText('Sensitivity')).toHaveValue('0.5');
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Legend')).not.toBeInTheDocument();
  });

  it('clears the LogQL expression when switching from log patterns to a Prometheus kind', async () => {
    const { user, last } = setup({ refId: 'A', kind: 'patterns', expr: '{app="api"}', topPatterns: 5 });
    expect(screen.getByLabelText('LogQL')).toHaveValue('{app="api"}');
    await user.click(screen.getByRole('radio', { name: 'Anomaly' }));
    expect(last()).toMatchObject({ kind: 'anomaly', expr: '' });
    expect(screen.getByLabelText('PromQL')).toHaveValue('');
  });

  it('passes the data source to the editor of the kind, which warns when Loki is missing', () => {
    setup({ refId: 'A', kind: 'patterns', expr: '' }, { lokiConfigured: false } as DataSource);
    expect(screen.getByText('Loki is not configured')).toBeInTheDocument();
  });

  it('switches to incidents, clearing the expression and hiding the expression field', async () => {
    const { user, last, onRunQuery } = setup({ ...newQuery(), expr: 'up' });
    await user.click(screen.getByRole('radio', { name: 'Incidents' }));
    expect(last()).toMatchObject({ kind: 'incidents', expr: '' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Legend')).not.toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Open' })).toBeChecked();
    expect(screen.getByLabelText('Limit')).toHaveAttribute('placeholder', '100');
  });

  it('switches from incidents to hypotheses keeping the shared limit', async () => {
    const { user, last } = setup({ refId: 'A', kind: 'incidents', expr: '', limit: 10, service: 'cart' });
    await user.click(screen.getByRole('radio', { name: 'Hypotheses' }));
    expect(last()).toMatchObject({ kind: 'hypotheses', expr: '', limit: 10 });
    expect(screen.getByLabelText('Incident')).toHaveValue('');
    expect(screen.getByLabelText('Limit')).toHaveValue(10);
    expect(screen.queryByLabelText('Service')).not.toBeInTheDocument();
  });

  it('offers the panel kinds only, and still shows a query saved with another kind', () => {
    setup({ refId: 'A', kind: 'annotations', expr: '' });
    expect(screen.getByRole('radio', { name: 'Incident annotations' })).toBeChecked();
    expect(screen.queryByRole('radio', { name: 'Variable values' })).not.toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Open' })).toBeInTheDocument();
  });

  it('falls back to anomaly for a kind it does not know', () => {
    setup({ refId: 'A', kind: 'toString' as FsQuery['kind'], expr: 'up' });
    expect(screen.getByRole('radio', { name: 'Anomaly' })).toBeChecked();
    expect(screen.getByLabelText('PromQL')).toHaveValue('up');
  });

  it('has an editor and a definition for every query kind', () => {
    for (const kind of QUERY_KINDS) {
      expect(KIND_EDITORS[kind]).toBeDefined();
      expect(QUERY_KIND_DEFINITIONS[kind].label).not.toBe('');
    }
    setup(newQuery());
    for (const kind of QUERY_KINDS) {
      const radio = screen.queryByRole('radio', { name: QUERY_KIND_DEFINITIONS[kind].label });
      if (QUERY_KIND_DEFINITIONS[kind].panel) {
        expect(radio).toBeInTheDocument();
      } else {
        expect(radio).not.toBeInTheDocument();
      }
    }
  });
});
