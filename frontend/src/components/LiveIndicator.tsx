import type { LiveStatus } from '../lib/liveSocket';

const LABELS: Record<LiveStatus, string> = {
  live: 'live',
  connecting: 'connecting…',
  reconnecting: 'reconnecting…',
};

export function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <span
      className={`live-indicator live-${status}`}
      data-testid="live-status"
      data-status={status}
      title={status === 'live' ? 'Receiving live updates' : 'Waiting for the live connection'}
      role="status"
    >
      <span className="live-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
