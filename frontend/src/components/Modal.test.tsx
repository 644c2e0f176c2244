import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { Modal } from './Modal';

/** A field with a suggestion list, as comboboxes are written (WAI-ARIA): Escape closes the list first. */
function Autocomplete() {
  const [open, setOpen] = useState(true);
  return (
    <>
      <input
        role="combobox"
        aria-label="Member"
        aria-expanded={open}
        aria-controls="suggestions"
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && (
        <ul id="suggestions" role="listbox">
          <li role="option" aria-selected="false">
            alice
          </li>
        </ul>
      )}
    </>
  );
}

describe('Modal', () => {
  it('lets Escape in an open autocomplete close its list, and the next Escape close the dialog', () => {
    const onClose = vi.fn();
    render(
      <Modal title="Add" testId="add" onClose={onClose} footer={null}>
        <Autocomplete />
      </Modal>,
    );
    const field = screen.getByRole('combobox');
    fireEvent.keyDown(field, { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
    fireEvent.keyDown(field, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('leaves an Escape that a control inside already handled alone', () => {
    const onClose = vi.fn();
    render(
      <Modal title="Pick" testId="pick" onClose={onClose} footer={null}>
        <input aria-label="Own popup" onKeyDown={(e) => e.key === 'Escape' && e.preventDefault()} />
      </Modal>,
    );
    fireEvent.keyDown(screen.getByLabelText('Own popup'), { key: 'Escape' });
    expect(onClose).not.toHaveBeenCalled();
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('dialog', { name: 'Pick' })).toBeTruthy();
  });
});
