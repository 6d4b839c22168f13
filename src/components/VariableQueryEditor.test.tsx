import { screen } from '@testing-library/react';

import type { DataSource } from '../datasource';
import { FsQuery } from '../types';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';
import { renderEditor } from './query/testHarness';
import { VariableQueryEditor } from './VariableQueryEditor';

describe('VariableQueryEditor', () => {
  it('lists services by default, for a new variable without a saved query', () => {
    renderEditor(VariableQueryEditor, { refId: 'variable' } as FsQuery);
    expect(screen.getByRole('radio', { name: 'Services' })).toBeChecked();
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Anomaly' })).not.toBeInTheDocument();
  });

  it('switches to open incidents and sends a variables query', async () => {
    const { user, last, onRunQuery } = renderEditor(VariableQueryEditor, { refId: 'variable' } as FsQuery);
    await user.click(screen.getByRole('radio', { name: 'Open incidents' }));
    expect(last()).toEqual({ refId: 'variable', kind: 'variables', expr: '', variable: 'incidents' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('radio', { name: 'Open incidents' })).toBeChecked();
  });

  it('reads a variable saved as a bare string', () => {
    renderEditor(VariableQueryEditor, 'incidents' as unknown as FsQuery);
    expect(screen.getByRole('radio', { name: 'Open incidents' })).toBeChecked();
  });

  it('warns when the receiver is not configured', () => {
    renderEditor(VariableQueryEditor, { refId: 'variable' } as FsQuery, { receiverConfigured: false } as DataSource);
    expect(screen.getByText('The Foresight receiver is not configured')).toBeInTheDocument();
  });
});

describe('AnnotationQueryEditor', () => {
  it('edits an incident annotation: no kind selector, no expression', () => {
    renderEditor(AnnotationQueryEditor, { refId: 'Anno' } as FsQuery);
    expect(screen.queryByRole('radio', { name: 'Anomaly' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('PromQL')).not.toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Open' })).toBeChecked();
    expect(screen.getByLabelText('Service')).toHaveValue('');
  });

  it('sends an annotations query when a filter changes, even from an annotation saved with another kind', async () => {
    const { user, last, onRunQuery } = renderEditor(AnnotationQueryEditor, {
      refId: 'Anno',
      kind: 'anomaly',
      expr: 'up',
    } as FsQuery);
    await user.click(screen.getByRole('checkbox', { name: 'Resolved' }));
    expect(last()).toEqual({
      refId: 'Anno',
      kind: 'annotations',
      expr: '',
      states: ['open', 'acknowledged', 'resolved'],
    });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('filters by a service variable', async () => {
    const { user, last } = renderEditor(AnnotationQueryEditor, { refId: 'Anno', kind: 'annotations' } as FsQuery);
    await user.type(screen.getByLabelText('Service'), '$service');
    expect(last()).toMatchObject({ kind: 'annotations', service: '$service' });
  });
});
