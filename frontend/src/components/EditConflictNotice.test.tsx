import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { EditConflictNotice } from './EditConflictNotice';

describe('EditConflictNotice', () => {
  it('shows what changed since the edit began and offers reload or overwrite', () => {
    const onReload = vi.fn();
    const onOverwrite = vi.fn();
    render(
      <EditConflictNotice
        conflict={{
          detail: 'changed',
          base_version: 1,
          current_version: 2,
          current: { version: 2, name: 'x', description: '', parameters: [], graph: { steps: [], edges: [] } },
          changes: {
            identical: false,
            steps: {
              added: [{ id: 'extra', name: 'Extra' }],
              removed: [],
              changed: [{ id: 's1', changes: [{ field: 'kwargs', from: { seconds: 1 }, to: { seconds: 3 } }] }],
            },
            edges: { added: [{ source: 's1', target: 'extra' }], removed: [] },
            parameters: { added: [], removed: [], changed: [] },
          },
        }}
        onReload={onReload}
        onOverwrite={onOverwrite}
      />,
    );
    expect(screen.getByText(/saved version 2/)).toBeTruthy();
    expect(screen.getByTestId('diff-summary').textContent).toBe('1 step added, 1 changed; 1 edge added');
    expect(screen.getByText('kwargs')).toBeTruthy();
    fireEvent.click(screen.getByTestId('conflict-reload'));
    fireEvent.click(screen.getByTestId('conflict-overwrite'));
    expect(onReload).toHaveBeenCalledOnce();
    expect(onOverwrite).toHaveBeenCalledOnce();
  });
});
