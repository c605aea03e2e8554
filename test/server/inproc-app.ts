import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/core/config.js';
import type { Store } from '../../src/core/store.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createApp } from '../../src/http/app.js';
import type { ServerTimeouts } from '../../src/http/timeouts.js';
import { Metrics } from '../../src/http/metrics.js';
import { LogHub, type LogHubOptions } from '../../src/logs/hub.js';
import { openStore } from '../../src/store/open.js';
import { testConfig } from '../helpers/config.js';

export interface InprocApp {
  url: string;
  port: number;
  app: FastifyInstance;
  store: Store;
  logs: LogHub;
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * The real HTTP app listening on 127.0.0.1 with a real SQLite store and LogHub; the engine is the fake
 * and the scheduler runs nothing, so a test drives builds and their logs through the store itself.
 */
export async function startInprocApp(opts: { yaml?: string; hub?: Partial<LogHubOptions>; databaseUrl?: string; timeouts?: Partial<ServerTimeouts> } = {}): Promise<InprocApp> {
  const { config }: { config: Config } = testConfig(opts.yaml ?? '');
  const store = await openStore(opts.databaseUrl ?? ':memory:', { dataDir: config.paths.builds });
  const logs = new LogHub(store, { mask: (t) => t, ...opts.hub });
  const metrics = new Metrics();
  const scheduler = { wake: () => undefined, cancel: () => false, runningCount: 0 };
  const app = await createApp({ config, store, logs, engine: createFakeEngine(), metrics, scheduler, timeouts: opts.timeouts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    store,
    logs,
    metrics,
    close: async () => {
      logs.close();
      await app.close();
      await store.close();
    },
  };
}
