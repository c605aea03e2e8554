import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { getJson, startServer, type ServerProcess } from '../helpers/server.js';
import { startInprocApp, type InprocApp } from '../server/inproc-app.js';
import { openFollow, type OpenFollow } from './follow-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('follow caps on the real server (bin/roger serve, default caps)', () => {
  let server: ServerProcess;
  let logUrl: string;
  beforeAll(async () => {
    // No builds run here: the build stays queued, so its followers stay open.
    const { file } = testConfig('builds:\n  concurrent: 0\n');
    server = await startServer(file);
    const queued = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent('https://example.com/o/followed.git')}`);
    expect(queued.status).toBe(202);
    logUrl = `${server.url}/api/builds/${queued.body.id}/log`;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('refuses 1,000 follows beyond the per-client cap with 429 and keeps answering', async () => {
    const open: OpenFollow[] = [];
    for (let i = 0; i < 20; i++) open.push(await openFollow(logUrl));
    expect(open.map((f) => f.status)).toEqual(new Array<number>(20).fill(200));

    // The API's latency while the refusals pour in, measured from another client address.
    let probing = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (probing) {
        const t = Date.now();
        const r = await fetch(`${server.url}/api/builds?limit=1`);
        await r.text();
        expect(r.status).toBe(200);
        latencies.push(Date.now() - t);
        await sleep(20);
      }
    })();
    const statuses = new Map<number, number>();
    let message = '';
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => openFollow(logUrl)));
      for (const a of answers) {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        message ||= a.message ?? '';
        a.close();
      }
    }
    probing = false;
    await probe;
    expect(Object.fromEntries(statuses)).toEqual({ 429: 1000 });
    expect(message).toMatch(/too many log streams open from 127\.0\.0\.1 \(at most 20\)/);
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(2_000);

    // The admitted followers are still streaming; closing one frees its slot.
    open.pop()?.close();
    await sleep(200);
    const again = await openFollow(logUrl);
    expect(again.status).toBe(200);
    again.close();
    for (const f of open) f.close();
  });
});

describe('follow caps in all (several clients)', () => {
  let srv: InprocApp;
  beforeAll(async () => {
    srv = await startInprocApp({ hub: { caps: { total: 12, perClient: 5 } } });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('admits up to the total across addresses, refuses beyond it, and frees slots when clients leave', async () => {
    const { build } = await srv.store.createBuild({ repo: 'https://example.com/o/many', branch: 'master', trigger: 'api', options: {} });
    const url = `${srv.url}/api/builds/${build.id}/log`;
    const open: OpenFollow[] = [];
    for (const address of ['127.0.0.1', '127.0.0.2']) for (let i = 0; i < 5; i++) open.push(await openFollow(url, address));
    const sixth = await openFollow(url, '127.0.0.1');
    expect(sixth.status).toBe(429);
    expect(sixth.message).toMatch(/from 127\.0\.0\.1 \(at most 5\)/);
    for (let i = 0; i < 2; i++) open.push(await openFollow(url, '127.0.0.3'));
    expect(open.every((f) => f.status === 200)).toBe(true);
    const full = await openFollow(url, '127.0.0.4');
    expect(full.status).toBe(429);
    expect(full.message).toMatch(/streaming too many logs \(at most 12\)/);
    expect(full.res.headers['retry-after']).toBe('5');
    expect(srv.logs.following).toBe(12);
    // A refusal never reached the store: a missing build is still refused, not 404.
    expect((await openFollow(`${srv.url}/api/builds/nope-nope/log`, '127.0.0.5')).status).toBe(429);

    for (const f of open) f.close();
    const deadline = Date.now() + 5_000;
    while (srv.logs.following > 0 && Date.now() < deadline) await sleep(50);
    expect(srv.logs.following).toBe(0);
    const after = await openFollow(url, '127.0.0.4');
    expect(after.status).toBe(200);
    after.close();
  });
});
