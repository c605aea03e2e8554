import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { createMasker } from '../../src/config/mask.js';
import type { Config } from '../../src/core/config.js';
import type { Store } from '../../src/core/store.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createGitHubApi, type GitHubApi } from '../../src/forge/github/api.js';
import { createApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { hookRoutes } from '../../src/http/routes/hooks.js';
import { githubForge } from '../../src/forge/github/forge.js';
import { LogHub } from '../../src/logs/hub.js';
import { openStore } from '../../src/store/open.js';
import type { HookDelivery } from './webhook-server.js';

/** A delivery as `GET /api/hooks/deliveries` lists it. */
export interface DeliveryView {
  id: string;
  event: string;
  repo: string | null;
  ref: string | null;
  result: string;
  build_id: string | null;
}

export interface HookApp {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** How many times the scheduler was woken. */
  wakes(): number;
  warnings: string[];
  /** POSTs a delivery to `/public/api/hooks/<forge>`; the answer's status and JSON body (`{}` when empty). */
  post(req: HookDelivery, forge?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** `GET /api/hooks/deliveries?limit=N`, newest first. */
  deliveries(limit?: number): Promise<DeliveryView[]>;
  /** The delivery of this id among the newest 500. */
  delivery(id: string): Promise<DeliveryView | undefined>;
  close(): Promise<void>;
}

/**
 * The real HTTP app with the webhook plugin, a real SQLite store (`database.url` from the config, in
 * memory by default) and a scheduler that only counts wakes: builds stay queued.
 */
export async function startHookApp(config: Config, opts: { api?: GitHubApi; apiRetry?: { baseDelayMs: number; budgetMs: number } } = {}): Promise<HookApp> {
  const store = await openStore(config.database.url ?? ':memory:', { dataDir: config.paths.builds });
  let wakes = 0;
  const warnings: string[] = [];
  const log = { warn: (m: unknown) => void warnings.push(String(m)), error: (m: unknown) => void warnings.push(String(m)) };
  const api = opts.api ?? createGitHubApi({ apiUrl: config.github.apiUrl, token: config.auth.github, retry: opts.apiRetry });
  const hook = hookRoutes({ config, store, wake: () => void wakes++, log, forges: [githubForge(config, api)] });
  const scheduler = { wake: () => undefined, cancel: () => false, runningCount: 0 };
  const logs = new LogHub(store, { mask: createMasker([]) });
  const app = await createApp({ config, store, logs, engine: createFakeEngine(), metrics: new Metrics(), scheduler, plugins: [hook] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const deliveries = async (limit = 500) => {
    const res = await fetch(`${url}/api/hooks/deliveries?limit=${limit}`);
    return ((await res.json()) as { deliveries: DeliveryView[] }).deliveries;
  };
  return {
    url,
    app,
    store,
    wakes: () => wakes,
    warnings,
    post: async (req, forge = 'github') => {
      const res = await fetch(`${url}/public/api/hooks/${forge}`, { method: 'POST', headers: req.headers, body: req.body });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    deliveries,
    delivery: async (id) => (await deliveries()).find((d) => d.id === id),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
