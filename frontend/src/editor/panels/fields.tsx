import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLastRunResults } from '../lastRun';
import { withResultPaths } from '../lib/resultPaths';
import type { Placeholder } from '../lib/scope';

export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
}) {
  return (
    <label className={`pfield${error ? ' has-error' : ''}`}>
      <span className="pfield-label">
        {label}
        {hint && <span className="pfield-hint"> {hint}</span>}
      </span>
      {children}
      {error && <span className="field-error small">{error}</span>}
    </label>
  );
}

/** A button opening the placeholders in scope; picking one appends it to the field. */
export function PlaceholderMenu({
  options,
  onPick,
  testId,
}: {
  options: Placeholder[];
  onPick: (text: string) => void;
  testId: string;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const lastResults = useLastRunResults();
  const offered = useMemo(() => withResultPaths(options, lastResults), [options, lastResults]);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className="ph-menu" ref={ref}>
      <button
        type="button"
        className="btn btn-small btn-ghost ph-button"
        title="Insert a placeholder"
        onClick={() => setOpen((o) => !o)}
        data-testid={testId}
        disabled={!options.length}
      >
        {'{{ }}'}
      </button>
      {open && (
        <ul className="ph-list" role="menu">
          {offered.map((p) => (
            <li key={p.text}>
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  onPick(p.text);
                  setOpen(false);
                }}
              >
                <code>{p.text}</code>
                <span className="muted small">{p.label}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function displayValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * A field whose text stays as typed (``0.`` on the way to ``0.5``) while the value it stands for goes
 * to the document on every key; a change from outside (undo, a placeholder picked) rewrites the text,
 * and leaving the field shows the stored value's own spelling.
 */
export function DraftTextInput({
  value,
  parse,
  onChange,
  testId,
  placeholder,
  inputMode,
}: {
  value: unknown;
  parse: (text: string) => unknown;
  onChange: (v: unknown) => void;
  testId: string;
  placeholder?: string;
  inputMode?: 'decimal';
}) {
  const [text, setText] = useState(() => displayValue(value));
  useEffect(() => {
    setText((t) => (sameValue(parse(t), value) ? t : displayValue(value)));
  }, [value, parse]);
  return (
    <input
      type="text"
      value={text}
      placeholder={placeholder}
      inputMode={inputMode}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parse(e.target.value));
      }}
      onBlur={() => setText(displayValue(value))}
      data-testid={testId}
    />
  );
}

/** Optional number: blank is null. */
export function NumberInput({
  value,
  onChange,
  testId,
  min,
  step,
  placeholder,
}: {
  value: number | null | undefined;
  onChange: (v: number | null) => void;
  testId: string;
  min?: number;
  step?: number;
  placeholder?: string;
}) {
  const [text, setText] = useState(value == null ? '' : String(value));
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : value == null ? '' : String(value)));
  }, [value]);
  return (
    <input
      type="number"
      value={text}
      min={min}
      step={step ?? 'any'}
      placeholder={placeholder}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        const t = e.target.value.trim();
        if (t === '') onChange(null);
        else if (Number.isFinite(Number(t))) onChange(Number(t));
      }}
    />
  );
}
