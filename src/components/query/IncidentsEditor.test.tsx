import { screen } from '@testing-library/react';

import type { DataSource } from '../../datasource';
import { FsQuery } from '../../types';
import { AnnotationsEditor } from './AnnotationsEditor';
import { IncidentsEditor } from './IncidentsEditor';
import { renderEditor } from './testHarness';

const incidentsQuery = (patch: Partial<FsQuery> = {}): FsQuery => ({
  refId: 'A',
  kind: 'incidents',
  expr: '',
  ...patch,
});

// Incident tables and incident annotations share one filter: run the same cases on both editors.
describe.each([
  ['IncidentsEditor', IncidentsEditor, 'incidents'],
  ['AnnotationsEditor', AnnotationsEditor, 'annotations'],
] as const)('%s', (_, Editor, kind) => {
  const setup = (patch: Partial<FsQuery> = {}, datasource?: DataSource) =>
    renderEditor(Editor, incidentsQuery({ kind, ...patch }), datasource);

  it('shows the backend defaults for a query saved without filter fields', () => {
    setup();
    expect(screen.getByRole('checkbox', { name: 'Open' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Acknowledged' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Resolved' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Merged' })).not.toBeChecked();
    expect(screen.getByLabelText('Service')).toHaveValue('');
    expect(screen.getByLabelText('Service')).toHaveAttribute('placeholder', 'all services');
    expect(screen.getByLabelText('Limit')).toHaveAttribute('placeholder', '100');
  });

  it('has no expression field', () => {
    setup();
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('LogQL')).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /expr/i })).not.toBeInTheDocument();
  });

  it('shows saved values', () => {
    setup({ states: ['resolved'], service: 'checkout', limit: 20 });
    expect(screen.getByRole('checkbox', { name: 'Open' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Resolved' })).toBeChecked();
    expect(screen.getByLabelText('Service')).toHaveValue('checkout');
    expect(screen.getByLabelText('Limit')).toHaveValue(20);
  });

  it('adds a state in canonical order and runs the query', async () => {
    const { user, last, onRunQuery } = setup();
    await user.click(screen.getByRole('checkbox', { name: 'Merged' }));
    expect(last()).toMatchObject({ kind, states: ['open', 'acknowledged', 'merged'] });
    await user.click(screen.getByRole('checkbox', { name: 'Resolved' }));
    expect(last().states).toEqual(['open', 'acknowledged', 'resolved', 'merged']);
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('removes a state and refuses to run with none', async () => {
    const { user, last, onRunQuery } = setup();
    await user.click(screen.getByRole('checkbox', { name: 'Acknowledged' }));
    expect(last().states).toEqual(['open']);
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('checkbox', { name: 'Open' }));
    expect(last().states).toEqual([]);
    expect(screen.getByText('Pick at least one state')).toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('checkbox', { name: 'Resolved' }));
    expect(last().states).toEqual(['resolved']);
    expect(screen.queryByText('Pick at least one state')).not.toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('filters by a service, template variables included, and runs when leaving the field', async () => {
    const { user, last, onRunQuery } = setup();
    await user.type(screen.getByLabelText('Service'), '$service');
    expect(last()).toMatchObject({ kind, service: '$service' });
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps the limit within 1..500', async () => {
    const { user, last, onRunQuery } = setup();
    const limit = screen.getByLabelText('Limit');
    await user.type(limit, '501');
    expect(last().limit).toBe(501);
    expect(screen.getByText('Use a whole number from 1 to 500')).toBeInTheDocument();
    await user.tab();
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.clear(limit);
    await user.type(limit, '25');
    expect(last().limit).toBe(25);
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.clear(limit);
    expect(last().limit).toBeUndefined();
  });

  it('warns when the receiver is not configured', () => {
    setup({}, { receiverConfigured: false } as DataSource);
    expect(screen.getByText('The Foresight receiver is not configured')).toBeInTheDocument();
  });

  it('says nothing about the receiver when it is configured', () => {
    setup({}, { receiverConfigured: true } as DataSource);
    expect(screen.queryByText('The Foresight receiver is not configured')).not.toBeInTheDocument();
  });
});
