import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { LogHub } from '../../src/logs/hub.js';
import { Scheduler } from '../../src/queue/scheduler.js';
import { testConfig } from '../helpers/config.js';
import { waitFor } from '../helpers/server.js';
import { backendCases, useStore } from '../store/backends.js';

const A = 'https://git.example/org/a';
const B = 'https://git.example/org/b';

/**
 * The HTTP app and the real scheduler over the store under test; each build "runs" until the test
 * releases it (then passes) or it is aborted (then it is canceled with the abort's reason, as the
 * pipeline records it).
 */
async function startRoger(store: Store, opts: { yaml?: string; concurrent: number }) {
  const { config } = testConfig(`builds:\n  allowedSchemes: [https]\n${opts.yaml ?? ''}`);
  const started: BuildRecord[] = [];
  const release = new Map<string, () => void>();
  const scheduler = new Scheduler({
    store,
    concurrent: opts.concurrent,
    owner: 'server:fair-queue-test',
    leaseSeconds: 30,
    recover: 'all',
    pollMs: 100,
    run: async (build, signal) => {
      started.push(build);
      const outcome = await new Promise<'passed' | Error>((resolve) => {
        release.set(build.id, () => resolve('passed'));
        signal.addEventListener('abort', () => resolve(signal.reason instanceof Error ? signal.reason : new Error('canceled')), { once: true });
      });
      const finishedAt = new Date().toISOString();
      await store.updateBuild(build.id, outcome === 'passed' ? { status: 'passed', finishedAt } : { status: 'canceled', error: outcome.message, finishedAt });
    },
  });
  const logs = new LogHub(store, { mask: (t) => t });
  const app = await createApp({ config, store, logs, engine: createFakeEngine(), metrics: new Metrics(), scheduler });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const post = async (path: string): Promise<string> => {
    const res = await fetch(`${url}${path}`, { method: 'POST' });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  return {
    scheduler,
    started,
    request: (repo: string, branch: string) => post(`/api/build?repo=${encodeURIComponent(repo)}&branch=${encodeURIComponent(branch)}`),
    rebuild: (id: string) => post(`/api/builds/${id}/rebuild`),
    get: async (id: string) => ((await (await fetch(`${url}/api/builds/${id}`)).json()) as { build: { status: string; error: string | null } }).build,
    /** Lets a running build pass and waits until the scheduler has claimed `next` builds in all. */
    async finish(id: string, next: number) {
      const done = release.get(id);
      if (!done) throw new Error(`build ${id} is not running`);
      done();
      await waitFor(async () => started.length >= next || undefined, 20_000);
    },
    async close() {
      await scheduler.stop(0);
      logs.close();
      await app.close();
    },
  };
}

describe.each(backendCases)('queue order and superseding through the HTTP API ($name)', (c) => {
  const ctx = useStore(c);

  it('starts the 3 builds of one repository within the first claims after 200 of another; a busy branch waits', async () => {
    const { store } = ctx();
    const roger = await startRoger(store, { concurrent: 2 });
    try {
      // Started first: starting takes back every build a previous life left started.
      await roger.scheduler.start();
      const a: string[] = [];
      for (let i = 0; i < 200; i++) a.push(await roger.request(A, `feature-${i}`));
      // The idle server starts A's first two at once; B's then wait for a free slot.
      await waitFor(async () => roger.started.length >= 2 || undefined, 20_000);
      const b = [await roger.request(B, 'x'), await roger.request(B, 'y'), await roger.request(B, 'z')];
      await roger.finish(a[0]!, 3);
      await roger.finish(a[1]!, 4);
      await roger.finish(b[0]!, 5);
      await roger.finish(a[2]!, 6);
      await roger.finish(b[1]!, 7);
      // Alternating: B's builds do not wait for A's 200.
      expect(roger.started.map((s) => s.id)).toEqual([a[0], a[1], b[0], a[2], b[1], a[3], b[2]]);
      // A newer build of the branch running now waits for it, while the next branches go ahead.
      const again = await roger.request(A, 'feature-3');
      await roger.finish(b[2]!, 8);
      expect(roger.started[7]?.id).toBe(a[4]);
      expect((await roger.get(again)).status).toBe('queued');
      expect((await roger.get(a[3]!)).status).toBe('started');
    } finally {
      await roger.close();
    }
  });

  it('supersedes queued builds, and with builds.cancelSuperseded the running one, for requests and rebuilds alike', async () => {
    const { store } = ctx();
    const roger = await startRoger(store, { concurrent: 1, yaml: '  cancelSuperseded: true\n' });
    try {
      await roger.scheduler.start();
      const first = await roger.request(A, 'main');
      await waitFor(async () => roger.started.length >= 1 || undefined, 20_000);
      const second = await roger.request(A, 'main');
      // The run is aborted and records the reason; the newer build takes the slot.
      await waitFor(async () => roger.started.length >= 2 || undefined, 20_000);
      expect(await roger.get(first)).toMatchObject({ status: 'canceled', error: `superseded by ${second}` });
      expect(roger.started[1]?.id).toBe(second);
      const third = await roger.rebuild(second);
      await waitFor(async () => roger.started.length >= 3 || undefined, 20_000);
      expect(await roger.get(second)).toMatchObject({ status: 'canceled', error: `superseded by ${third}` });
      // Queued behind the running build: the older of B's two never runs.
      const b1 = await roger.request(B, 'main');
      const b2 = await roger.request(B, 'main');
      expect(await roger.get(b1)).toMatchObject({ status: 'canceled', error: `superseded by ${b2}` });
      await roger.finish(third, 4);
      expect(roger.started.map((s) => s.id)).toEqual([first, second, third, b2]);
    } finally {
      await roger.close();
    }
  });

  it('keeps the running build by default; the newer one starts when it ends', async () => {
    const { store } = ctx();
    const roger = await startRoger(store, { concurrent: 2 });
    try {
      await roger.scheduler.start();
      const first = await roger.request(A, 'main');
      await waitFor(async () => roger.started.length >= 1 || undefined, 20_000);
      const second = await roger.request(A, 'main');
      const other = await roger.request(B, 'main');
      // The second slot goes to B: A's branch is busy.
      await waitFor(async () => roger.started.length >= 2 || undefined, 20_000);
      expect(roger.started[1]?.id).toBe(other);
      expect((await roger.get(first)).status).toBe('started');
      expect((await roger.get(second)).status).toBe('queued');
      await roger.finish(first, 3);
      expect(roger.started[2]?.id).toBe(second);
    } finally {
      await roger.close();
    }
  });
});
