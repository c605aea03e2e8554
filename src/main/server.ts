import type { FastifyInstance } from 'fastify';
import type { Logger, LoggerOptions } from 'pino';
import { checkExposure } from '../config/exposure.js';
import { connectionUrlProblem } from '../config/mask.js';
import { badInput } from '../core/errors.js';
import type { Config } from '../core/config.js';
import { buildFeed, feedListener, type BuildFeed } from '../core/events.js';
import type { Store } from '../core/store.js';
import { createApp } from '../http/app.js';
import { Metrics } from '../http/metrics.js';
import { eventsRoutes } from '../http/routes/events.js';
import { hookRoutes } from '../http/routes/hooks.js';
import { webRoutes } from '../http/routes/web.js';
import type { Scheduler } from '../queue/scheduler.js';
import { removeStaleWorkspaces, startHousekeeping } from '../runner/housekeeping.js';
import { openStore } from '../store/open.js';
import { createBuildRunner } from './runner.js';

export interface RunningServer {
  app: FastifyInstance;
  scheduler: Scheduler;
  listen(): Promise<{ port: number }>;
  /** Stops taking requests, gives running builds a grace period, marks the rest interrupted. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The server's composition root: config -> store -> build runner -> HTTP. `logOptions` (masking)
 * apply to the HTTP server's own log too.
 */
export async function createServer(config: Config, log: Logger, logOptions: LoggerOptions = {}): Promise<RunningServer> {
  // Before anything is opened: a configuration that leaves a way around the API tokens never starts.
  for (const warning of checkExposure(config)) log.warn(warning);
  const badUrl = config.database.url === null ? undefined : connectionUrlProblem(config.database.url);
  if (badUrl !== undefined) throw badInput(badUrl);
  const feed = buildFeed((err) => log.error({ err }, 'a live build event could not be sent'));
  const store = announcingCreated(await openStore(config.database.url, { dataDir: config.paths.builds }), feed);
  // Builds a previous life of this process left running are taken back when the scheduler starts
  // (embedded: all of them; with a shared Postgres, those under this server's own name).
  const embedded = !config.database.url?.startsWith('postgres');
  await removeStaleWorkspaces(config.paths.builds, log);
  const metrics = new Metrics();
  const runner = createBuildRunner({
    config,
    store,
    log,
    role: 'server',
    // Sharing Postgres with agents, this process's limit counts only its own builds.
    perProcess: !embedded,
    runsBuilds: config.builds.local,
    listeners: [
      {
        finished: ({ build }) => {
          metrics.observe(build);
          housekeeping.buildFinished();
        },
        skipped: ({ build }) => metrics.observe(build),
      },
      feedListener(feed),
    ],
  });
  const housekeeping = startHousekeeping({ store, engine: runner.engine, config, log, running: () => runner.scheduler.runningCount });
  const { scheduler } = runner;
  const app = await createApp(
    {
      config,
      store: runner.store,
      logs: runner.logs,
      engine: runner.engine,
      metrics,
      scheduler,
      plugins: [
        hookRoutes({
          config,
          store: runner.store,
          wake: () => scheduler.wake(),
          abort: (groupId, reason) => scheduler.cancel(groupId, reason),
          touch: (groupId) => runner.logs.touch(groupId),
          log,
        }),
        webRoutes(),
        eventsRoutes(feed),
      ],
    },
    { ...logOptions, level: 'warn' },
  );
  return {
    app,
    scheduler,
    async listen() {
      // Before listening: builds a previous life left are taken back first, and the agent is recorded.
      await runner.start();
      await app.listen({ port: config.app.port, host: config.app.host });
      const address = app.server.address();
      return { port: typeof address === 'object' && address ? address.port : config.app.port };
    },
    async close(graceMs = 30_000) {
      // Refuse new requests first; log followers end by themselves once the builds they follow end.
      const closing = app.close();
      await runner.stop(graceMs);
      // Followers of builds that will not finish here (queued, or running on an agent) end now.
      runner.logs.close();
      // Final commit statuses of the builds that just ended are still being sent (bounded retries).
      await runner.notificationsSent(10_000);
      // A connection whose response never ends (a follower that went away mid-stream, a stalled client)
      // would hold app.close() forever; after a short wait every connection left is cut.
      const closed = await Promise.race([closing.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref())]);
      if (!closed) app.server.closeAllConnections();
      await closing;
      housekeeping.stop();
      if (embedded) await store.failStarted('interrupted: the server shut down while the build ran');
      await store.close();
    },
  };
}

/** Every way a build is created (API, webhook, rebuild, a group's siblings) goes through the store. */
function announcingCreated(store: Store, feed: BuildFeed): Store {
  return {
    ...store,
    async createBuild(b) {
      const result = await store.createBuild(b);
      if (result.created) feed.publish('created', result.build);
      return result;
    },
    async receiveDelivery(d, opts) {
      const receipt = await store.receiveDelivery(d, opts);
      if (receipt.kind === 'queued' && receipt.created) feed.publish('created', receipt.build);
      return receipt;
    },
    async addSiblings(groupId, projects) {
      const siblings = await store.addSiblings(groupId, projects);
      for (const build of siblings) feed.publish('created', build);
      return siblings;
    },
  };
}
