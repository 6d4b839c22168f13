import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { FsQuery } from '../../types';
import { ForecastEditor } from './ForecastEditor';

// Grafana keeps the query in state and passes it back in: do the same so typing accumulates.
function setup(initial: FsQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <ForecastEditor
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

const forecastQuery = (patch: Partial<FsQuery> = {}): FsQuery => ({
  refId: 'A',
  kind: 'forecast',
  expr: 'up',
  ...patch,
});

describe('ForecastEditor', () => {
  it('shows the backend defaults for a query saved without optional fields', () => {
    setup(forecastQuery());
    expect(screen.getByLabelText('PromQL')).toHaveValue('up');
    expect(screen.getByLabelText('Training window')).toHaveAttribute('placeholder', '7d');
    expect(screen.getByLabelText('Horizon')).toHaveAttribute('placeholder', '24h');
    expect(screen.getByRole('radio', { name: '95%' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'Auto' })).toBeChecked();
    expect(screen.getByLabelText('Threshold')).toHaveValue(null);
  });

  it('shows saved values', () => {
    setup(
      forecastQuery({
        horizon: '3d',
        intervalLevel: 80,
        threshold: 0.9,
        seasonality: 'weekly',
        legendFormat: '{{mount}}',
      })
    );
    expect(screen.getByLabelText('Horizon')).toHaveValue('3d');
    expect(screen.getByRole('radio', { name: '80%' })).toBeChecked();
    expect(screen.getByLabelText('Threshold')).toHaveValue(0.9);
    expect(screen.getByRole('radio', { name: 'Weekly' })).toBeChecked();
    expect(screen.getByLabelText('Legend')).toHaveValue('{{mount}}');
  });

  it.each([
    ['Horizon', '6h', { horizon: '6h' }],
    ['Training window', '2w', { trainingWindow: '2w' }],
    ['Min step', '5m', { minStep: '5m' }],
    ['Legend', 'disk', { legendFormat: 'disk' }],
  ])('edits %s and runs the query when leaving it', async (label, text, want) => {
    const { user, last, onRunQuery } = setup(forecastQuery());
    await user.type(screen.getByLabelText(label), text);
    expect(last()).toMatchObject({ kind: 'forecast', expr: 'up', ...want });
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows an error for an invalid horizon and does not run the query', async () => {
    const { user, last, onRunQuery } = setup(forecastQuery());
    const horizon = screen.getByLabelText('Horizon');
    await user.type(horizon, 'tomorrow');
    expect(last().horizon).toBe('tomorrow');
    expect(screen.getByText(/Use a duration such as/)).toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.clear(horizon);
    await user.type(horizon, '$horizon');
    expect(screen.queryByText(/Use a duration such as/)).not.toBeInTheDocument();
  });

  it('chooses the interval and runs the query', async () => {
    const { user, last, onRunQuery } = setup(forecastQuery());
    await user.click(screen.getByRole('radio', { name: '80%' }));
    expect(last().intervalLevel).toBe(80);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('changes seasonality and runs the query', async () => {
    const { user, last, onRunQuery } = setup(forecastQuery());
    await user.click(screen.getByRole('radio', { name: 'None' }));
    expect(last().seasonality).toBe('none');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('sets the threshold as a number and clears it when emptied', async () => {
    const { user, last, onRunQuery } = setup(forecastQuery());
    const threshold = screen.getByLabelText('Threshold');
    await user.type(threshold, '-2.5');
    expect(last().threshold).toBe(-2.5);
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    await user.clear(threshold);
    expect(last().threshold).toBeUndefined();
    expect(last()).toHaveProperty('threshold', undefined);
  });
});
