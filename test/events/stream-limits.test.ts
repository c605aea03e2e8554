import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import { buildFeed, type BuildFeed } from '../../src/core/events.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { eventsRoutes, type EventStreamOptions } from '../../src/http/routes/events.js';
import { LogHub } from '../../src/logs/hub.js';
import { openStore } from '../../src/store/open.js';
import { testConfig } from '../helpers/config.js';
import { changes, openSse } from './sse.js';

const build = (id: string, status: BuildRecord['status'] = 'queued'): BuildRecord => ({
  id,
  groupId: id,
  project: 'https://git.example.test/team/app.git__app',
  repo: 'https://git.example.test/team/app.git',
  branch: 'main',
  status,
  tag: null,
  commit: null,
  author: null,
  digest: null,
  trigger: 'api',
  options: { buildargs: { NPM_TOKEN: 'hunter2-secret' } },
  error: null,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  attempt: 1,
  leaseOwner: null,
  pushed: false,
});

/** The real app with the event stream route over a feed the test publishes to. */
async function startStreams(opts: Partial<EventStreamOptions>): Promise<{ url: string; feed: BuildFeed; app: FastifyInstance; close(): Promise<void> }> {
  const { config } = testConfig('');
  const store = await openStore(':memory:', { dataDir: config.paths.builds });
  const feed = buildFeed();
  const scheduler = { wake: () => undefined, cancel: () => false, runningCount: 0 };
  const logs = new LogHub(store, { mask: (t) => t });
  const app = await createApp({ config, store, logs, engine: createFakeEngine(), metrics: new Metrics(), scheduler, plugins: [eventsRoutes(feed, opts)] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    feed,
    app,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

let running: { close(): Promise<void> } | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('GET /api/events limits', () => {
  it('refuses one stream over the cap with 503 and a message, and takes one again once a stream closes', async () => {
    const s = await startStreams({ maxClients: 3 });
    running = s;
    const open = await Promise.all([1, 2, 3].map(() => openSse(`${s.url}/api/events`)));
    expect(open.map((c) => c.status)).toEqual([200, 200, 200]);
    const over = await fetch(`${s.url}/api/events`);
    expect(over.status).toBe(503);
    expect(((await over.json()) as { message: string }).message).toMatch(/too many open event streams \(3\)/);
    open[0]?.close();
    let again = await openSse(`${s.url}/api/events`);
    for (let i = 0; again.status !== 200 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await openSse(`${s.url}/api/events`);
    }
    expect(again.status).toBe(200);
    s.feed.publish('created', build('b1'));
    await again.until((e) => changes(e).length === 1, 5_000);
    await open[1]?.until((e) => changes(e).length === 1, 5_000);
    for (const c of [...open, again]) c.close();
  });

  it('sends heartbeats as comment lines, and build args only as masked names', async () => {
    const s = await startStreams({ heartbeatMs: 50 });
    running = s;
    const sse = await openSse(`${s.url}/api/events`);
    s.feed.publish('finished', build('b2', 'passed'));
    await sse.until((e) => e.length === 1, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sse.comments.filter((c) => c === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(sse.events[0]?.data).not.toContain('hunter2');
    expect(changes(sse.events)[0]).toMatchObject({ type: 'finished', build: { id: 'b2', status: 'passed' } });
    sse.close();
  });

  it('cuts off a client that stops reading instead of buffering for it without end', async () => {
    const s = await startStreams({ maxUnreadBytes: 64 * 1024 });
    running = s;
    const { req, res } = await rawStream(s.url);
    res.pause();
    const big = build('b3');
    big.error = 'x'.repeat(16 * 1024);
    const closed = new Promise<void>((r) => req.socket?.once('close', () => r()));
    for (let i = 0; i < 2000; i++) {
      s.feed.publish('created', big);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await closed;
    // The server holds no stream for it any more: a fresh client is served.
    const fresh = await openSse(`${s.url}/api/events`);
    expect(fresh.status).toBe(200);
    fresh.close();
  });

  it('ends open streams when the server closes instead of holding the close', { timeout: 8000 }, async () => {
    const s = await startStreams({});
    const clients = await Promise.all([1, 2, 3].map(() => rawStream(s.url)));
    const ended = clients.map((c) => new Promise<void>((r) => c.res.resume().once('end', () => r())));
    const t0 = Date.now();
    await s.close();
    await Promise.all(ended);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('holds 1,000 open streams with bounded memory and reaches every one', async () => {
    const s = await startStreams({ maxClients: 1000 });
    running = s;
    global.gc?.();
    const before = process.memoryUsage();
    const clients = await Promise.all(Array.from({ length: 1000 }, () => rawStream(s.url)));
    const got = clients.map(() => 0);
    clients.forEach((c, i) => c.res.on('data', (d: Buffer) => d.includes('event: build') && (got[i] = (got[i] ?? 0) + 1)));
    const over = await fetch(`${s.url}/api/events`);
    expect(over.status).toBe(503);
    await over.body?.cancel();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) s.feed.publish('started', build(`m${i}`, 'started'));
    const deadline = Date.now() + 10_000;
    while (got.some((n) => n < 20) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const fanoutMs = performance.now() - t0;
    const after = process.memoryUsage();
    const rssMb = (after.rss - before.rss) / 1024 / 1024;
    const heapMb = (after.heapUsed - before.heapUsed) / 1024 / 1024;
    console.log(
      `1000 SSE clients (server and clients in one process): rss ${(after.rss / 1048576).toFixed(0)} MB (+${rssMb.toFixed(1)} MB), heap +${heapMb.toFixed(1)} MB; 20 events to all in ${fanoutMs.toFixed(0)} ms`,
    );
    expect(got.every((n) => n === 20)).toBe(true);
    expect(rssMb).toBeLessThan(150);
    for (const c of clients) c.req.destroy();
  }, 60_000);
});

function rawStream(base: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/events`, { agent: false }, (res) => (res.statusCode === 200 ? resolve({ req, res }) : reject(new Error(`status ${res.statusCode}`))));
    req.on('error', reject);
    req.end();
  });
}
