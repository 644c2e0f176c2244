import type { FormEvent } from 'react';

interface Props {
  name: string;
  onName: (name: string) => void;
  onCreate: (e: FormEvent) => void;
  placeholder: string;
  /** The field's accessible name. */
  label: string;
  /** Test ids `<testId>-name` and `<testId>-create`. */
  testId: string;
  /** The button's text ("Create token"). */
  action: string;
}

/** A name and the button that creates what it names (a token, a team); the button waits for a name. */
export function CreateByName({ name, onName, onCreate, placeholder, label, testId, action }: Props) {
  return (
    <form className="inline-form" onSubmit={onCreate}>
      <input
        type="text"
        placeholder={placeholder}
        aria-label={label}
        value={name}
        onChange={(e) => onName(e.target.value)}
        data-testid={`${testId}-name`}
      />
      <button type="submit" className="btn btn-primary" disabled={!name.trim()} data-testid={`${testId}-create`}>
        {action}
      </button>
    </form>
  );
}
