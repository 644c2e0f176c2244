import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Placeholder } from '../lib/scope';

export function Field({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: string; children: ReactNode }) {
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
export function PlaceholderMenu({ options, onPick, testId }: { options: Placeholder[]; onPick: (text: string) => void; testId: string }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
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
          {options.map((p) => (
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

/** Text that becomes a number when it reads as one; anything else (e.g. a placeholder) stays text. */
export function parseLoose(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return text;
}

export function displayValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Optional number: blank is null. */
export function NumberInput({ value, onChange, testId, min, step, placeholder }: {
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
