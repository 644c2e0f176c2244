import { useEffect, useState, type ReactNode } from 'react';
import { errorText } from '../lib/api';

interface Props {
  title: ReactNode;
  testId: string;
  busy?: boolean;
  onClose: () => void;
  children: ReactNode;
  footer: ReactNode;
  onSubmit?: () => void;
  wide?: boolean;
}

/** Escape closes the dialog unless it is busy (every dialog's one Escape handling). */
export function useEscapeToClose(onClose: () => void, busy: boolean) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, busy]);
}

/** A dialog with a form: Escape or a click outside closes it unless it is busy. */
export function Modal({ title, testId, busy = false, onClose, children, footer, onSubmit, wide }: Props) {
  useEscapeToClose(onClose, busy);

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div className={`modal${wide ? ' modal-wide' : ''}`} role="dialog" aria-modal="true" data-testid={testId}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!busy) onSubmit?.();
          }}
        >
          <div className="modal-header">
            <h2>{title}</h2>
          </div>
          <div className="modal-body">{children}</div>
          <div className="modal-footer">{footer}</div>
        </form>
      </div>
    </div>
  );
}

/** A dialog's submit: busy while the request runs, its error shown and the form usable again on failure. */
export function useModalSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return { busy, error, setError, submit };
}

interface ActionsProps {
  busy: boolean;
  onCancel: () => void;
  label: string;
  busyLabel: string;
  testId: string;
  disabled?: boolean;
}

/** Cancel and the dialog's submit button. */
export function ModalActions({ busy, onCancel, label, busyLabel, testId, disabled = false }: ActionsProps) {
  return (
    <>
      <button type="button" className="btn" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button type="submit" className="btn btn-primary" disabled={busy || disabled} data-testid={testId}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
