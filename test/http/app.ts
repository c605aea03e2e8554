import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createMasker } from '../../src/config/mask.js';
import type { Config } from '../../src/core/config.js';
import type { Engine } from '../../src/core/engine.js';
import type { Store } from '../../src/core/store.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { LogHub } from '../../src/logs/hub.js';
import { openStore } from '../../src/store/open.js';

export interface RunningApp {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Builds the scheduler was asked to cancel. */
  canceled: string[];
  close(): Promise<void>;
}

/**
 * The real HTTP app listening on 127.0.0.1 with a real in-memory SQLite store; the scheduler runs
 * nothing (builds stay queued) and records cancels, which the store then records as canceled. `wrapStore` may replace store methods (a failing ping).
 */
export async function startApp(config: Config, opts: { wrapStore?: (s: Store) => Store; engine?: Engine } = {}): Promise<RunningApp> {
  const real = await openStore(':memory:', { dataDir: config.paths.builds });
  const store = opts.wrapStore ? opts.wrapStore(real) : real;
  const canceled: string[] = [];
  const scheduler = { wake: () => undefined, cancel: (id: string) => (canceled.push(id), false), runningCount: 0 };
  const logs = new LogHub(store, { mask: createMasker([]) });
  const app = await createApp({ config, store, logs, engine: opts.engine ?? createFakeEngine(), metrics: new Metrics(), scheduler });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    app,
    store,
    canceled,
    close: async () => {
      await app.close();
      await real.close();
    },
  };
}
