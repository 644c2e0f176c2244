import type { ReactNode } from 'react';

/** What went wrong (`alert`), or why the form cannot go on (`status`); nothing while there is neither. */
export function FormError({
  message,
  testId,
  role = 'alert',
}: {
  message: ReactNode;
  testId?: string;
  role?: 'alert' | 'status';
}) {
  if (!message) return null;
  return (
    <div className="form-error" role={role} data-testid={testId}>
      {message}
    </div>
  );
}
