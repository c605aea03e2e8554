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
import { KeyedLock } from '../core/keyed-lock.js';
import { Scheduler } from '../queue/scheduler.js';
import { executeBuild } from '../runner/execute.js';
import { reclaimedHandler, sweepLeftovers } from '../runner/reclaimed.js';
import { dependentsListener } from '../trigger/dependents.js';
import { createFakeEngine } from '../engine/fake.js';
import { recordingEngine } from '../engine/recording.js';
import { LocalSignals } from '../queue/local-signals.js';
import { PgSignals } from '../queue/pg-signals.js';
import { AgentPresence } from '../agents/presence.js';
import type { Claimer } from '../core/agent.js';
import { rogerVersion } from './version.js';

export interface BuildRunner {
  engine: Engine;
  /** The store to use beside the runner: queuing and canceling through it signal the scheduler. */
  store: Store;
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
  /** Names this process in leases (`agent:<agent.name>`, `server:<agent.name>`); default server. */
  role?: 'server' | 'agent';
  /** More listeners of the build events (the server's metrics and housekeeping). */
  listeners?: BuildListener[];
  /** Notifiers used instead of the configured ones of the same name. */
  notifiers?: Partial<Record<NotifierName, Notifier>>;
  /** False for an API-only server (`builds.local: false`): nothing is claimed, no agent is recorded. */
  runsBuilds?: boolean;
}): BuildRunner {
  const { config, log } = opts;
  const url = config.database.url;
  const pgSignals = url && /^postgres(ql)?:\/\//i.test(url) ? new PgSignals(url, (err) => log.warn({ err }, 'queue notifications interrupted; reconnecting')) : undefined;
  const local = pgSignals ? undefined : new LocalSignals();
  const store = local ? local.signaling(opts.store) : opts.store;
  const fake = config.docker.fake;
  const engine = fake ? createFakeEngine({ delayMs: fake.delayMs }) : createDockerEngine(config.docker.client);
  // builds.concurrent is the agent's capacity; 0 runs nothing, like builds.local: false.
  const capacity = opts.runsBuilds === false ? 0 : config.builds.concurrent;
  const claimer: Claimer = { agent: config.agent.name, labels: config.agent.labels };
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
  // The caller's listeners (metrics, the live event feed) are quick and come first: an open page learns
  // of a result before the dependents' lookups and the notifications are done.
  const events = buildEvents([...(opts.listeners ?? []), recordSkipped(store), dependents, notifications], (err, event) =>
    log.warn({ err }, `a "${event}" build event listener failed`),
  );
  // The git adapter enforces the allowed schemes itself, whatever a caller checked before.
  const git = createGit({ allowedSchemes: config.builds.allowedSchemes, cache: gitCacheOf(config) });
  const baseImages = new BaseImageChecks(engine, { intervalSeconds: config.builds.pullInterval });
  const deps = { engine, git, config, pushLock: new KeyedLock(), baseImages, store, logs, events, history: store, claimer };
  const owner = `${opts.role ?? 'server'}:${config.agent.name}`;
  const reclaimed = reclaimedHandler({ engine, logs, events, log, owner });
  let presence: AgentPresence | undefined;
  const scheduler = new Scheduler({
    store,
    concurrent: capacity,
    perProcess: opts.perProcess,
    owner,
    leaseSeconds: config.builds.leaseSeconds,
    // Embedded, this is the only process: every started build was its previous life's.
    recover: pgSignals ? 'own' : 'all',
    signals: pgSignals ?? local,
    run: (build, signal, lease) => {
      // Its containers carry the run's labels, so what a kill -9 leaves is found by whoever comes next.
      const labelled = engine.forRun({ owner, build: build.id, attempt: lease.attempt });
      return executeBuild(build, { ...deps, engine: fake?.record ? recordingEngine(labelled, fake.record, build.id) : labelled }, signal, lease);
    },
    onError: (err) => log.error({ err }, 'scheduler error'),
    onReclaimed: reclaimed.onReclaimed,
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
    store,
    logs,
    scheduler,
    presence,
    async start() {
      await presence?.start();
      // Before anything is claimed: no run of this owner is alive, so whatever it labelled is left over.
      if (capacity !== 0) await sweepLeftovers({ engine, store, log }, owner);
      await scheduler.start();
    },
    async stop(graceMs) {
      await scheduler.stop(graceMs);
      await presence?.stop();
    },
    notificationsSent: (ms) =>
      Promise.race([reclaimed.idle().then(() => notifications.idle()), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]),
  };
}
