interface Props {
  state: string;
  testId?: string;
  className?: string;
}

/** Coloured pill for a run or step state. */
export function StateBadge({ state, testId, className }: Props) {
  return (
    <span className={`badge state-${state}${className ? ` ${className}` : ''}`} data-testid={testId} data-state={state}>
      {state}
    </span>
  );
}
