import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import type { Store } from '../core/store.js';

const PRUNE_EVERY_MS = 60_000;
const RETENTION_EVERY_MS = 60 * 60_000;

/**
 * Keeps a busy server's disk in check: dangling images (old layers of rebuilt tags) are pruned after
 * builds, at most once a minute, and finished builds older than `builds.retentionDays` are deleted hourly.
 */
export function startHousekeeping(deps: { store: Store; engine: Engine; config: Config; log: Logger }) {
  let lastPrune = 0;
  let pruning = false;
  const prune = async (): Promise<void> => {
    if (pruning || Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    pruning = true;
    try {
      const bytes = await deps.engine.pruneDangling();
      if (bytes > 0) deps.log.info(`pruned dangling images: ${(bytes / 1e6).toFixed(1)} MB reclaimed`);
    } catch (err) {
      deps.log.warn({ err }, 'pruning dangling images failed');
    } finally {
      lastPrune = Date.now();
      pruning = false;
    }
  };
  const retain = async (): Promise<void> => {
    const days = deps.config.builds.retentionDays;
    if (days === null) return;
    try {
      const n = await deps.store.deleteFinishedBefore(new Date(Date.now() - days * 86_400_000));
      if (n > 0) deps.log.info(`deleted ${n} build(s) older than ${days} days`);
    } catch (err) {
      deps.log.warn({ err }, 'deleting old builds failed');
    }
  };
  const timer = setInterval(() => void retain(), RETENTION_EVERY_MS);
  timer.unref();
  void retain();
  return {
    buildFinished: (): void => void prune(),
    stop: (): void => clearInterval(timer),
  };
}
