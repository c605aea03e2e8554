import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from '../../src/core/config.js';
import { createServer } from '../../src/main/server.js';
import { testConfig } from './config.js';
import { getJson, waitFor } from './server.js';
import { selfSignedCert, type TestCert } from './tls.js';

/** A webhook delivery as a forge sends it. */
export interface HookDelivery {
  headers: Record<string, string>;
  body: string;
}

export interface WebhookServer {
  /** Where it listens: http://127.0.0.1:PORT. */
  url: string;
  config: Config;
  /** Everything the server logged (debug and up), to be scanned for tokens. */
  log: string[];
  /** POSTs a delivery to `/public/api/hooks/<forge>`; the answer's status and JSON body. */
  send(forge: string, req: HookDelivery): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The build (`GET /api/builds/:id`) once it passed, failed, was canceled or skipped; waits up to 90 s. */
  finished<B extends { status: string }>(id: string): Promise<B>;
  close(): Promise<void>;
}

/**
 * The whole server in-process (createServer: SQLite file, the real Docker engine and registry) for
 * webhooks end to end: two builds at once, https and http clones, and `http://roger.test:8080` as its
 * public URL (the commit statuses' target). `sections` are the forges' config sections.
 */
export async function startWebhookServer(sections: string[]): Promise<WebhookServer> {
  const { config } = testConfig(
    ['app:\n  url: http://roger.test:8080\n  port: 0', 'builds:\n  allowedSchemes: [https, http]\n  concurrent: 2', ...sections].join('\n') + '\n',
  );
  const log: string[] = [];
  const server = await createServer(config, pino({ level: 'debug' }, { write: (line: string) => void log.push(line) }));
  const url = `http://127.0.0.1:${(await server.listen()).port}`;
  return {
    url,
    config,
    log,
    send: async (forge, req) => {
      const res = await fetch(`${url}/public/api/hooks/${forge}`, { method: 'POST', headers: req.headers, body: req.body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    finished: <B extends { status: string }>(id: string) =>
      waitFor(async () => {
        const b = (await getJson<{ build: B }>(`${url}/api/builds/${id}`)).body.build;
        return ['passed', 'failed', 'canceled', 'skipped'].includes(b.status) && b;
      }, 90_000, `build ${id} to finish`),
    close: () => server.close(5_000),
  };
}

/**
 * A temp directory for private git servers and a certificate for them that git trusts: a forge's token
 * only travels over https.
 */
export async function httpsRoot(prefix: string): Promise<{ root: string; cert: TestCert }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const cert = selfSignedCert(root);
  process.env.GIT_SSL_CAINFO = cert.certFile;
  return { root, cert };
}

/** The commit statuses a recording forge API received for `sha`, once there are at least `n`; waits up to 20 s. */
export const statusesFor = <R extends { path: string }>(api: { statuses(): R[] }, sha: string, n: number): Promise<R[]> =>
  waitFor(async () => {
    const s = api.statuses().filter((r) => r.path.endsWith(sha));
    return s.length >= n && s;
  }, 20_000, `${n} statuses for ${sha}`);
