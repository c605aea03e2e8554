import type { BuildStatus } from '../lib/types';

const ICONS: Record<BuildStatus, string> = {
  queued: 'M12 7v5l3 2',
  started: '',
  passed: 'M7 12.5l3.2 3.2L17 9',
  failed: 'M8.5 8.5l7 7m0-7l-7 7',
  canceled: 'M7.5 16.5l9-9',
  skipped: 'M8 9l3.5 3L8 15m5-6l3.5 3-3.5 3',
};

const LABELS: Record<BuildStatus, string> = {
  queued: 'Waiting for a free builder',
  started: 'Building now',
  passed: 'Built, tested and pushed',
  failed: 'The build or its tests failed',
  canceled: 'Canceled',
  skipped: 'Not built: settings.matching does not allow this ref',
};

/** Colour plus icon plus word: the status reads without colour vision too. */
export function StatusBadge({ status, large = false }: { status: BuildStatus; large?: boolean }) {
  return (
    <span className={`badge badge-${status}${large ? ' badge-large' : ''}`} data-status={status} title={LABELS[status]}>
      <svg className={status === 'started' ? 'badge-icon spin' : 'badge-icon'} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        {status === 'started' ? (
          <path d="M12 4a8 8 0 1 1-8 8" fill="none" strokeWidth="3" strokeLinecap="round" />
        ) : (
          <>
            <circle cx="12" cy="12" r="9" fill="none" strokeWidth="2.2" />
            <path d={ICONS[status]} fill="none" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" />
          </>
        )}
      </svg>
      <span className="badge-text">{status}</span>
    </span>
  );
}
