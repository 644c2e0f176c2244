import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Palette } from './Palette';

describe('Palette executable item', () => {
  it('is offered when executable steps are allowed', () => {
    const onAdd = vi.fn();
    render(<Palette functions={[]} error={null} onAdd={onAdd} executables={{ allowed: true, reason: null }} />);
    const item = screen.getByTestId('palette-executable');
    expect(item.getAttribute('draggable')).toBe('true');
    fireEvent.doubleClick(item);
    expect(onAdd).toHaveBeenCalledWith({ kind: 'executable' });
  });

  it('is disabled with the reason shown and as its tooltip when they are not', () => {
    const onAdd = vi.fn();
    const reason =
      "team 'mine' may not run executable steps: ask a site admin to allow executable steps for team 'mine'";
    render(<Palette functions={[]} error={null} onAdd={onAdd} executables={{ allowed: false, reason }} />);
    const item = screen.getByTestId('palette-executable');
    expect(item.getAttribute('aria-disabled')).toBe('true');
    expect(item.getAttribute('draggable')).toBeNull();
    expect(item.getAttribute('title')).toBe(reason);
    expect(screen.getByTestId('palette-executable-reason').textContent).toBe(`Not available: ${reason}`);
    fireEvent.doubleClick(item);
    fireEvent.keyDown(item, { key: 'Enter' });
    expect(onAdd).not.toHaveBeenCalled();
    // The block item is unaffected.
    expect(screen.getByTestId('palette-block').getAttribute('draggable')).toBe('true');
  });
});
