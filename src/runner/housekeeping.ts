import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import type { Store } from '../core/store.js';
import { removeStaleWorkspace } from '../pipeline/workspace.js';

const PRUNE_EVERY_MS = 10 * 60_000;
const RETENTION_EVERY_MS = 60 * 60_000;

/**
 * Keeps a busy server's disk in check: dangling images (old layers of rebuilt tags) are pruned when a
 * build finishes and none is running, at most every ten minutes (a prune during a build can remove an
 * image that build is about to use as cache), and finished builds older than `builds.retentionDays` are
 * deleted hourly.
 */
export function startHousekeeping(deps: { store: Store; engine: Engine; config: Config; log: Logger; running(): number }) {
  // The first prune waits a full interval: a server that just started has nothing of its own to prune.
  let lastPrune = Date.now();
  let pruning = false;
  const prune = async (): Promise<void> => {
    if (pruning || deps.running() > 0 || Date.now() - lastPrune < PRUNE_EVERY_MS) return;
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
    // Looked at a little later: the build that just finished still counts as running right now.
    buildFinished: (): void => void setTimeout(() => void prune(), 5000).unref(),
    stop: (): void => clearInterval(timer),
  };
}

/**
 * Workspaces left by a process that died mid-build (kill -9, power loss). Only directories Roger
 * created (marked, see createWorkspace) whose creating process is gone are removed; anything else
 * under paths.builds/workspaces, symlinks included, is left where it is.
 */
export async function removeStaleWorkspaces(buildsDir: string, log: Logger): Promise<void> {
  const dir = join(buildsDir, 'workspaces');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    if (await removeStaleWorkspace(join(dir, entry.name)).catch(() => false)) removed++;
  }
  if (removed > 0) log.warn(`removed ${removed} workspace(s) left by a previous process`);
}
