import type { Logger } from 'pino';
import { createMasker, secretValues } from '../config/mask.js';
import type { BuildRecord } from '../core/build.js';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import { allNotifiers } from '../core/notifier.js';
import type { Store } from '../core/store.js';
import { createDockerEngine } from '../engine/docker.js';
import { recordSkipped } from '../forge/github/skipped.js';
import { createGit } from '../git/cli.js';
import { LogHub } from '../logs/hub.js';
import { KeyedLock } from '../pipeline/lock.js';
import { githubStatusNotifier } from '../notify/github-status.js';
import { Scheduler } from '../queue/scheduler.js';
import { executeBuild } from '../runner/execute.js';

export interface BuildRunner {
  engine: Engine;
  logs: LogHub;
  scheduler: Scheduler;
  /** Resolves once queued notifications (commit statuses) are sent, or after `ms`. */
  notificationsSent(ms: number): Promise<void>;
}

/**
 * What runs builds, shared by `serve` (embedded) and `agent` (scale-out): the engine and git adapters,
 * logs into the Store, notifiers, and the scheduler claiming queued builds.
 */
export function createBuildRunner(opts: {
  config: Config;
  store: Store;
  log: Logger;
  /** Agents count their own builds only; the embedded server's limit covers the whole Store. */
  perProcess?: boolean;
  onFinished?(build: BuildRecord): void;
}): BuildRunner {
  const { config, store, log } = opts;
  const engine = createDockerEngine(config.docker.client);
  // The adapter enforces the allowed schemes itself, whatever a caller checked before.
  const git = createGit({ allowedSchemes: config.builds.allowedSchemes });
  const pushLock = new KeyedLock();
  const logs = new LogHub(store, { mask: createMasker(secretValues(config)) });
  const statuses = githubStatusNotifier({ config, log });
  const notify = allNotifiers([statuses]);
  const scheduler = new Scheduler({
    store,
    concurrent: config.builds.concurrent,
    perProcess: opts.perProcess,
    run: (build, signal) =>
      executeBuild(
        build,
        {
          engine,
          git,
          config,
          pushLock,
          store,
          logs,
          onStarted: (b, p) => notify.started(b, p),
          onSkipped: recordSkipped(store),
          onFinished: async (b, p) => {
            opts.onFinished?.(b);
            await notify.finished(b, p);
          },
        },
        signal,
      ),
    onError: (err) => log.error({ err }, 'scheduler error'),
  });
  return {
    engine,
    logs,
    scheduler,
    notificationsSent: (ms) =>
      Promise.race([statuses.idle(), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]),
  };
}
