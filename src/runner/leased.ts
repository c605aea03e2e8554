import type { Engine } from '../core/engine.js';
import { isRogerError } from '../core/errors.js';
import { backoff, withRetry, type RetryPolicy } from '../core/retry.js';
import type { Lease, Store } from '../core/store.js';

/**
 * The store as one run sees it: every build update it makes is fenced by the run's lease, and one
 * that fails on the database's side (a restart, a failover) is tried again within `retryMs`, so a
 * build that ran to its end is not lost for want of its final status. A refusal (lease lost, build
 * gone) is final at once.
 */
export function leasedStore(store: Store, lease: Lease, retryMs: number): Store {
  const policy: RetryPolicy = { attempts: 100, baseDelayMs: 200, budgetMs: retryMs, attemptTimeoutMs: retryMs };
  const delay = (err: unknown, p: RetryPolicy, attempt: number): number | undefined =>
    isRogerError(err, 'system') ? Math.min(backoff(p, attempt), 2_000) : undefined;
  const retried = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> => withRetry(policy, () => call(...args), delay);
  return {
    ...store,
    updateBuild: (id, patch) => withRetry(policy, () => store.updateBuild(id, patch, lease), delay),
    // The run's other calls are safe to repeat (reads, and writes that replace what they wrote).
    lastPassedCommit: retried(store.lastPassedCommit.bind(store)),
    rememberLabels: retried(store.rememberLabels.bind(store)),
    recordBaseImages: retried(store.recordBaseImages.bind(store)),
    handBack: retried(store.handBack.bind(store)),
  };
}

/**
 * The engine as one run sees it: before its first push the build is marked `pushed` through the run's
 * (leased) store. A run that lost its build never pushes (the mark is refused), and a lost build that
 * may have pushed is known, so it is failed rather than run a second time.
 */
export function markingPushes(engine: Engine, store: Store, buildId: string): Engine {
  let marked: Promise<unknown> | undefined;
  return Object.assign(Object.create(engine) as Engine, {
    push: async (...args: Parameters<Engine['push']>) => {
      marked ??= store.updateBuild(buildId, { pushed: true });
      await marked;
      return engine.push(...args);
    },
  });
}
