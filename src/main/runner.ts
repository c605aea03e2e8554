import type { Logger } from 'pino';
import { createMasker, secretValues } from '../config/mask.js';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import { buildEvents, type BuildListener } from '../core/events.js';
import type { Notifier, NotifierName } from '../core/notifier.js';
import type { Store } from '../core/store.js';
import { createDockerEngine } from '../engine/docker.js';
import { recordSkipped } from '../forge/github/skipped.js';
import { createGit } from '../git/cli.js';
import { LogHub } from '../logs/hub.js';
import { createNotifications } from '../notify/dispatch.js';
import { createNotifiers } from '../notify/registry.js';
import { KeyedLock } from '../pipeline/lock.js';
import { Scheduler } from '../queue/scheduler.js';
import { executeBuild } from '../runner/execute.js';
import { AgentPresence } from '../agents/presence.js';
import type { Claimer } from '../core/agent.js';
import { rogerVersion } from './version.js';

export interface BuildRunner {
  engine: Engine;
  logs: LogHub;
  scheduler: Scheduler;
  /** This process as an agent (heartbeat, health); undefined when it runs no builds. */
  presence: AgentPresence | undefined;
  /** Records the agent, then starts claiming builds. */
  start(): Promise<void>;
  /** Stops claiming, gives running builds `graceMs`, then records the agent as stopped. */
  stop(graceMs: number): Promise<void>;
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
  /** False for an API-only server (`builds.local: false`): nothing is claimed, no agent is recorded. */
  runsBuilds?: boolean;
}): BuildRunner {
  const { config, store, log } = opts;
  const engine = createDockerEngine(config.docker.client);
  // builds.concurrent is the agent's capacity; 0 runs nothing, like builds.local: false.
  const capacity = opts.runsBuilds === false ? 0 : config.builds.concurrent;
  const claimer: Claimer = { agent: config.agent.name, labels: config.agent.labels };
  const mask = createMasker(secretValues(config));
  const logs = new LogHub(store, { mask });
  const notifications = createNotifications({ config, store, logs, mask, notifiers: createNotifiers(config, opts.notifiers) });
  const events = buildEvents([recordSkipped(store), ...(opts.listeners ?? []), notifications], (err, event) =>
    log.warn({ err }, `a "${event}" build event listener failed`),
  );
  // The git adapter enforces the allowed schemes itself, whatever a caller checked before.
  const deps = { engine, git: createGit({ allowedSchemes: config.builds.allowedSchemes }), config, pushLock: new KeyedLock(), store, logs, events, claimer };
  let presence: AgentPresence | undefined;
  const scheduler = new Scheduler({
    store,
    concurrent: capacity,
    perProcess: opts.perProcess,
    run: (build, signal) => executeBuild(build, deps, signal),
    onError: (err) => log.error({ err }, 'scheduler error'),
    claimer,
    canClaim: () => presence?.healthy ?? true,
  });
  if (capacity !== 0) {
    presence = new AgentPresence({
      store,
      engine,
      name: claimer.agent,
      labels: claimer.labels,
      capacity,
      version: rogerVersion(),
      running: () => scheduler.runningCount,
      log,
      onHealthy: () => scheduler.wake(),
    });
  }
  return {
    engine,
    logs,
    scheduler,
    presence,
    async start() {
      await presence?.start();
      scheduler.start();
    },
    async stop(graceMs) {
      await scheduler.stop(graceMs);
      await presence?.stop();
    },
    notificationsSent: (ms) => Promise.race([notifications.idle(), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]),
  };
}
