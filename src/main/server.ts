import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createMasker, secretValues } from '../config/mask.js';
import type { BuildRecord } from '../core/build.js';
import type { Config } from '../core/config.js';
import { createDockerEngine } from '../engine/docker.js';
import { createGit } from '../git/cli.js';
import { createApp } from '../http/app.js';
import { Metrics } from '../http/metrics.js';
import { LogHub } from '../logs/hub.js';
import { Scheduler } from '../queue/scheduler.js';
import { executeBuild } from '../runner/execute.js';
import { openStore } from '../store/open.js';
import { allNotifiers } from '../core/notifier.js';
import { startHousekeeping } from '../runner/housekeeping.js';
import { recordSkipped } from '../forge/github/skipped.js';
import { githubHookRoutes } from '../http/routes/github-hook.js';
import { githubStatusNotifier } from '../notify/github-status.js';

export interface RunningServer {
  app: FastifyInstance;
  scheduler: Scheduler;
  listen(): Promise<{ port: number }>;
  /** Stops taking requests, gives running builds a grace period, marks the rest interrupted. */
  close(graceMs?: number): Promise<void>;
}

/** The embedded server's composition root: config -> adapters -> services -> HTTP. */
export async function createServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore(config.database.url, { dataDir: config.paths.builds });
  const recovered = await store.failStarted('interrupted: the server stopped while the build ran');
  if (recovered > 0) log.warn(`${recovered} build(s) left running by a previous process marked failed (interrupted)`);
  const secrets = secretValues(config);
  const mask = createMasker(secrets);
  const engine = createDockerEngine(config.docker.client);
  const git = createGit();
  const logs = new LogHub(store, { mask });
  const metrics = new Metrics();
  const housekeeping = startHousekeeping({ store, engine, config, log });
  const notify = allNotifiers([githubStatusNotifier({ config, log })]);
  const scheduler = new Scheduler({
    store,
    concurrent: config.builds.concurrent,
    run: (build, signal) =>
      executeBuild(build, {
        engine,
        git,
        config,
        store,
        logs,
        onStarted: (b: BuildRecord) => notify.started(b),
        onSkipped: recordSkipped(store),
        onFinished: async (b: BuildRecord) => {
          metrics.observe(b);
          housekeeping.buildFinished();
          await notify.finished(b);
        },
      }, signal),
    onError: (err) => log.error({ err }, 'scheduler error'),
  });
  const app = await createApp(
    { config, store, logs, engine, metrics, scheduler, plugins: [githubHookRoutes({ config, store, wake: () => scheduler.wake(), log })] },
    { level: 'warn' },
  );
  return {
    app,
    scheduler,
    async listen() {
      await app.listen({ port: config.app.port, host: '0.0.0.0' });
      scheduler.start();
      const address = app.server.address();
      return { port: typeof address === 'object' && address ? address.port : config.app.port };
    },
    async close(graceMs = 30_000) {
      // Refuse new requests first; log followers end by themselves once the builds they follow end.
      const closing = app.close();
      await scheduler.stop(graceMs);
      await closing;
      housekeeping.stop();
      await store.failStarted('interrupted: the server shut down while the build ran');
      await store.close();
    },
  };
}
