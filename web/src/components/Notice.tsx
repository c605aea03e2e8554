import type { ReactNode } from 'react';
import type { Resource } from '../lib/hooks';

export function ErrorNotice({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <span>{error.message}</span>
      {onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      <span className="dot-pulse" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/**
 * What a list page shows before or instead of its list, from the one resource it polls: the load's
 * error (with a retry), the first load, or `empty` once the list came back with nothing in it.
 */
export function ListStatus<T>({ resource, what, empty }: { resource: Resource<readonly T[]>; what: string; empty: ReactNode }) {
  return (
    <>
      {resource.error && <ErrorNotice error={resource.error} onRetry={resource.reload} />}
      {resource.loading && <Loading what={what} />}
      {resource.data?.length === 0 && <Empty>{empty}</Empty>}
    </>
  );
}
