import { screen } from '@testing-library/react';

import type { DataSource } from '../../datasource';
import { FsQuery } from '../../types';
import { HypothesesEditor } from './HypothesesEditor';
import { renderEditor } from './testHarness';

const hypothesesQuery = (patch: Partial<FsQuery> = {}): FsQuery => ({
  refId: 'A',
  kind: 'hypotheses',
  expr: '',
  ...patch,
});

const setup = (patch: Partial<FsQuery> = {}, datasource?: DataSource) =>
  renderEditor(HypothesesEditor, hypothesesQuery(patch), datasource);

describe('HypothesesEditor', () => {
  it('shows the defaults: every open incident, limit 100, no expression', () => {
    setup();
    expect(screen.getByLabelText('Incident')).toHaveValue('');
    expect(screen.getByLabelText('Incident')).toHaveAttribute('placeholder', 'every open incident');
    expect(screen.getByLabelText('Limit')).toHaveAttribute('placeholder', '100');
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
  });

  it.each([
    ['an incident id', 'inc-42'],
    ['the $incident variable', '$incident'],
    ['a braced variable', '${incident}'],
  ])('takes %s and runs when leaving the field', async (_, text) => {
    const { user, last, onRunQuery } = setup();
    await user.click(screen.getByLabelText('Incident'));
    await user.paste(text);
    expect(last()).toMatchObject({ kind: 'hypotheses', incidentId: text });
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows a saved incident and limit', () => {
    setup({ incidentId: '$incident', limit: 5 });
    expect(screen.getByLabelText('Incident')).toHaveValue('$incident');
    expect(screen.getByLabelText('Limit')).toHaveValue(5);
  });

  it('refuses a limit outside 1..500', async () => {
    const { user, last, onRunQuery } = setup();
    await user.type(screen.getByLabelText('Limit'), '0');
    expect(last().limit).toBe(0);
    expect(screen.getByText('Use a whole number from 1 to 500')).toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('warns when the receiver is not configured', () => {
    setup({}, { receiverConfigured: false } as DataSource);
    expect(screen.getByText('The Foresight receiver is not configured')).toBeInTheDocument();
  });
});
