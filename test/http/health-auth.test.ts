import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/store.js';
import { testConfig } from '../helpers/config.js';
import { startApp, type RunningApp } from './app.js';

const TOKEN = 'health-token-7890';
/** What a failing database says about itself: where it is, who connects, even a password. */
const DB_ERROR = 'cannot reach postgres://roger:s3cret-pw@db.internal.example:5432/roger (/var/lib/roger/socket)';
const failingPing = (store: Store): Store => ({ ...store, ping: () => Promise.reject(systemError(DB_ERROR)) });
const bearer = { authorization: `Bearer ${TOKEN}` };

describe('/healthz and /metrics with app.auth.tokens', () => {
  let guarded: RunningApp;
  let open: RunningApp;

  beforeAll(async () => {
    const tokens = `app:\n  auth:\n    tokens: [${TOKEN}]\n    metrics: true\ngithub:\n  webhookSecret: health-hook-secret\n`;
    guarded = await startApp(testConfig(tokens).config, { wrapStore: failingPing });
    open = await startApp(testConfig('').config, { wrapStore: failingPing });
  });
  afterAll(async () => {
    await guarded.close();
    await open.close();
  });

  it('tells a caller without a token only that the server is unhealthy, no error text', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0000' }] as Record<string, string>[]) {
      const res = await fetch(`${guarded.url}/healthz`, { headers });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ status: 'unhealthy' });
      expect(text).not.toMatch(/postgres|internal|socket|s3cret/);
    }
  });

  it('tells a caller with a token what failed, with passwords masked', async () => {
    const res = await fetch(`${guarded.url}/healthz`, { headers: bearer });
    expect(res.status).toBe(503);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toEqual({ status: 'unhealthy', store: expect.stringContaining('db.internal.example') as string, engine: 'ok' });
    expect(body.store).toContain('postgres://roger:*****@db.internal.example');
    expect(JSON.stringify(body)).not.toContain('s3cret-pw');
  });

  it('keeps /metrics behind a token when app.auth.metrics is true', async () => {
    const refused = await fetch(`${guarded.url}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain('roger_builds');
    expect((await fetch(`${guarded.url}/%6Detrics`)).status).toBe(401);
    const res = await fetch(`${guarded.url}/metrics`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('roger_queue_length');
  });

  it('in open mode (no tokens) gives details (still masked) and metrics to anyone', async () => {
    const health = (await (await fetch(`${open.url}/healthz`)).json()) as Record<string, string>;
    expect(health.status).toBe('unhealthy');
    expect(health.store).toContain('roger:*****@');
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
  });
});

describe('/metrics with tokens but app.auth.metrics false', () => {
  it('stays open for scrapers without a token, while /api needs one', async () => {
    const app = await startApp(testConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\ngithub:\n  webhookSecret: health-hook-secret\n`).config);
    try {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${app.url}/api/builds`)).status).toBe(401);
      expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });
});
