import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { DataSource } from '../../datasource';
import { FsQuery } from '../../types';
import { logQueryError, PatternsEditor } from './PatternsEditor';

const withLoki = { lokiConfigured: true } as DataSource;
const withoutLoki = { lokiConfigured: false } as DataSource;

// Grafana keeps the query in state and passes it back in: do the same so typing accumulates.
function setup(initial: FsQuery, datasource: DataSource | undefined = withLoki) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <PatternsEditor
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

const patternsQuery = (patch: Partial<FsQuery> = {}): FsQuery => ({
  refId: 'A',
  kind: 'patterns',
  expr: '{app="api"}',
  ...patch,
});

describe('PatternsEditor', () => {
  it('shows the backend defaults for a query saved without optional fields', () => {
    setup(patternsQuery());
    expect(screen.getByLabelText('LogQL')).toHaveValue('{app="api"}');
    expect(screen.getByLabelText('Top patterns')).toHaveValue(null);
    expect(screen.getByLabelText('Top patterns')).toHaveAttribute('placeholder', '10');
    expect(screen.getByLabelText('Max lines')).toHaveValue(null);
    expect(screen.getByLabelText('Max lines')).toHaveAttribute('placeholder', '20000');
    expect(screen.getByLabelText('Sensitivity')).toHaveValue('0.5');
    expect(screen.queryByText('Loki is not configured')).not.toBeInTheDocument();
  });

  it('offers a LogQL example and no Prometheus-only fields', () => {
    setup(patternsQuery({ expr: '' }));
    expect(screen.getByLabelText('LogQL')).toHaveAttribute('placeholder', '{app="api"} |= "error"');
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Legend')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Training window')).not.toBeInTheDocument();
  });

  it('shows saved values', () => {
    setup(patternsQuery({ topPatterns: 25, maxLines: 50_000, sensitivity: 0.8 }));
    expect(screen.getByLabelText('Top patterns')).toHaveValue(25);
    expect(screen.getByLabelText('Max lines')).toHaveValue(50_000);
    expect(screen.getByLabelText('Sensitivity')).toHaveValue('0.8');
  });

  it('warns when the data source has no Loki URL', () => {
    setup(patternsQuery(), withoutLoki);
    expect(screen.getByText('Loki is not configured')).toBeInTheDocument();
    expect(screen.getByText(/set the Loki URL in the settings of this data source/)).toBeInTheDocument();
  });

  it('does not warn when the data source is not known', () => {
    setup(patternsQuery(), undefined);
    expect(screen.queryByText('Loki is not configured')).not.toBeInTheDocument();
  });

  it('edits the LogQL query and runs it when leaving the field', async () => {
    const { user, last, onRunQuery } = setup(patternsQuery({ expr: '' }));
    await user.click(screen.getByLabelText('LogQL'));
    await user.paste('{app="api"} |= "error" != "timeout"');
    expect(last()).toMatchObject({ kind: 'patterns', expr: '{app="api"} |= "error" != "timeout"' });
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('runs on Shift+Enter', async () => {
    const { user, onRunQuery } = setup(patternsQuery());
    await user.click(screen.getByLabelText('LogQL'));
    await user.keyboard('{Shift>}{Enter}{/Shift}');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows an error for a metric query and does not run it', async () => {
    const { user, last, onRunQuery } = setup(patternsQuery({ expr: '' }));
    const expr = screen.getByLabelText('LogQL');
    await user.click(expr);
    await user.paste('rate({app="api"}[5m])');
    expect(last().expr).toBe('rate({app="api"}[5m])');
    expect(screen.getByText(/Start with a stream selector/)).toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.clear(expr);
    await user.paste('$selector |= "error"');
    expect(screen.queryByText(/Start with a stream selector/)).not.toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['Top patterns', '25', { topPatterns: 25 }],
    ['Max lines', '50000', { maxLines: 50_000 }],
  ])('edits %s as a number and runs the query when leaving it', async (label, text, want) => {
    const { user, last, onRunQuery } = setup(patternsQuery());
    await user.type(screen.getByLabelText(label), text);
    expect(last()).toEqual({ ...patternsQuery(), ...want });
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['Top patterns', '0', 'Use a whole number from 1 to 50'],
    ['Top patterns', '51', 'Use a whole number from 1 to 50'],
    ['Top patterns', '2.5', 'Use a whole number from 1 to 50'],
    ['Max lines', '99', 'Use a whole number from 100 to 200,000'],
    ['Max lines', '200001', 'Use a whole number from 100 to 200,000'],
  ])('shows an error for %s %s and does not run the query', async (label, text, message) => {
    const { user, onRunQuery } = setup(patternsQuery());
    await user.type(screen.getByLabelText(label), text);
    expect(screen.getByText(message)).toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('accepts the bounds of each range', async () => {
    const { user } = setup(patternsQuery());
    await user.type(screen.getByLabelText('Top patterns'), '50');
    await user.type(screen.getByLabelText('Max lines'), '200000');
    expect(screen.queryByText(/Use a whole number/)).not.toBeInTheDocument();
  });

  it('clears a number back to the default when emptied', async () => {
    const { user, last } = setup(patternsQuery({ topPatterns: 60 }));
    expect(screen.getByText('Use a whole number from 1 to 50')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Top patterns'));
    expect(last()).toHaveProperty('topPatterns', undefined);
    expect(screen.queryByText(/Use a whole number/)).not.toBeInTheDocument();
  });

  it('changes sensitivity and runs the query when editing ends', async () => {
    const { user, last, onRunQuery } = setup(patternsQuery());
    const sensitivity = screen.getByLabelText('Sensitivity');
    await user.clear(sensitivity);
    await user.type(sensitivity, '0.75');
    expect(last()).toEqual({ ...patternsQuery(), sensitivity: 0.75 });
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.blur(sensitivity);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});

describe('logQueryError', () => {
  it.each(['', '  ', '{app="api"}', ' {app="api"} |= "error"', '$selector', '${selector} |~ "5.."', '[[selector]]'])(
    'accepts %p',
    (expr) => {
      expect(logQueryError(expr)).toBeUndefined();
    }
  );

  it.each(['up', 'rate({app="api"}[5m])', 'sum by (app) (count_over_time({app="api"}[1m]))', 'app="api"'])(
    'rejects %p',
    (expr) => {
      expect(logQueryError(expr)).toMatch(/Start with a stream selector/);
    }
  );
});
