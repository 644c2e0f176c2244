import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { errorText } from '../lib/api';

interface Props {
  title: ReactNode;
  /** Cut the heading to one line; this whole text shows on hover (a user-given name may be long). */
  fullTitle?: string;
  /** Beside the title, e.g. the version a dialog is about. */
  aside?: ReactNode;
  testId: string;
  busy?: boolean;
  onClose: () => void;
  children: ReactNode;
  footer: ReactNode;
  onSubmit?: () => void;
  wide?: boolean;
  /** Put the caret in the first field when the dialog opens (a form one fills in at once). */
  focusFirstField?: boolean;
}

/**
 * Whether an Escape key press is the dialog's to act on. Not when a control inside already acted on it (an
 * autocomplete closing its list calls preventDefault), nor when it was pressed in an open popup: a combobox or
 * menu button says so with aria-expanded="true", and that press closes the popup, not the dialog.
 */
export function escapeClosesDialog(e: KeyboardEvent): boolean {
  if (e.key !== 'Escape' || e.defaultPrevented || e.isComposing) return false;
  const target = e.target instanceof Element ? e.target : null;
  return !target?.closest('[aria-expanded="true"]');
}

/** A dialog with a form: Escape or a click outside closes it unless it is busy (every dialog's one Escape). */
export function Modal({
  title,
  fullTitle,
  aside,
  testId,
  busy = false,
  onClose,
  children,
  footer,
  onSubmit,
  wide,
  focusFirstField = false,
}: Props) {
  const titleId = useId();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!busy && escapeClosesDialog(e)) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, busy]);

  useEffect(() => {
    if (!focusFirstField) return;
    formRef.current?.querySelector<HTMLElement>('input, select, textarea, button[type=submit]')?.focus();
  }, [focusFirstField]);

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div
        className={`modal${wide ? ' modal-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
      >
        <form
          ref={formRef}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!busy) onSubmit?.();
          }}
        >
          <div className="modal-header">
            <h2 id={titleId} className={fullTitle ? 'truncate' : undefined} title={fullTitle}>
              {title}
            </h2>
            {aside}
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
