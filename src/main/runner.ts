import type { Logger } from 'pino';
import { createMasker, secretValues } from '../config/mask.js';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import { buildEvents, type BuildListener } from '../core/events.js';
import type { Notifier, NotifierName } from '../core/notifier.js';
import type { Store } from '../core/store.js';
import { createDockerEngine } from '../engine/docker.js';
import { recordSkipped } from '../forge/skipped.js';
import { createGit } from '../git/cli.js';
import { gitCacheOf } from '../git/mirror.js';
import { LogHub } from '../logs/hub.js';
import { createNotifications } from '../notify/dispatch.js';
import { createNotifiers } from '../notify/registry.js';
import { BaseImageChecks } from '../pipeline/pull.js';
import { KeyedLock } from '../pipeline/lock.js';
import { Scheduler } from '../queue/scheduler.js';
import { executeBuild } from '../runner/execute.js';
import { dependentsListener } from '../trigger/dependents.js';

export interface BuildRunner {
  engine: Engine;
  logs: LogHub;
  scheduler: Scheduler;
  /** Resolves once queued notifications are sent (or given up), or after `ms`. */
  notificationsSent(ms: number): Promise<void>;
}

/**
 * What runs builds, shared by `serve` (embedded) and `agent` (scale-out): the engine and git adapters,
 * logs into the Store, the build events (notifications, webhook records, the caller's `listeners`),
 * and the scheduler claiming queued builds.
 */
export function createBuildRunner(opts: {
  config: Config;
  store: Store;
  log: Logger;
  /** Agents count their own builds only; the embedded server's limit covers the whole Store. */
  perProcess?: boolean;
  /** More listeners of the build events (the server's metrics and housekeeping). */
  listeners?: BuildListener[];
  /** Notifiers used instead of the configured ones of the same name. */
  notifiers?: Partial<Record<NotifierName, Notifier>>;
}): BuildRunner {
  const { config, store, log } = opts;
  const engine = createDockerEngine(config.docker.client);
  const mask = createMasker(secretValues(config));
  const logs = new LogHub(store, { mask });
  const notifications = createNotifications({ config, store, logs, mask, notifiers: createNotifiers(config, opts.notifiers) });
  const dependents = dependentsListener({
    store,
    allowedSchemes: config.builds.allowedSchemes,
    cancelSuperseded: config.builds.cancelSuperseded,
    wake: () => scheduler.wake(),
    abort: (groupId, reason) => scheduler.cancel(groupId, reason),
    touch: (groupId) => logs.touch(groupId),
    log,
  });
  const events = buildEvents([recordSkipped(store), dependents, ...(opts.listeners ?? []), notifications], (err, event) =>
    log.warn({ err }, `a "${event}" build event listener failed`),
  );
  // The git adapter enforces the allowed schemes itself, whatever a caller checked before.
  const git = createGit({ allowedSchemes: config.builds.allowedSchemes, cache: gitCacheOf(config) });
  const baseImages = new BaseImageChecks(engine, { intervalSeconds: config.builds.pullInterval });
  const deps = { engine, git, config, pushLock: new KeyedLock(), baseImages, store, logs, events, history: store };
  const scheduler = new Scheduler({
    store,
    concurrent: config.builds.concurrent,
    perProcess: opts.perProcess,
    run: (build, signal) => executeBuild(build, deps, signal),
    onError: (err) => log.error({ err }, 'scheduler error'),
  });
  return {
    engine,
    logs,
    scheduler,
    notificationsSent: (ms) => Promise.race([notifications.idle(), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]),
  };
}
