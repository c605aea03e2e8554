import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { claimNext } from '../../src/store/queries/claim-next.js';
import { openSqlBackend } from '../../src/store/open.js';
import type { QueuedFilter } from '../../src/store/queries/fair-order.js';
import { backendCases, newBuild, useStore } from './backends.js';

const A = 'https://git.example/a';
const B = 'https://git.example/b';
const C = 'https://git.example/c';

async function queue(store: Store, repo: string, branch: string): Promise<string> {
  return (await store.createBuild(newBuild(repo, branch))).build.id;
}

const finish = (store: Store, id: string) => store.updateBuild(id, { status: 'passed', finishedAt: new Date().toISOString() });

describe.each(backendCases)('fair claim order ($name)', (c) => {
  const ctx = useStore(c);

  it('takes the repository with the fewest running builds first, then the oldest build', async () => {
    const { store } = ctx();
    const a = [await queue(store, A, 'b1'), await queue(store, A, 'b2'), await queue(store, A, 'b3')];
    const b = await queue(store, B, 'main');
    const cc = await queue(store, C, 'main');
    const order = [];
    for (let i = 0; i < 5; i++) order.push((await store.claimNext(null))?.id);
    // a1 (all idle, oldest), then b and c (nothing running), then a2, a3 by age.
    expect(order).toEqual([a[0], b, cc, a[1], a[2]]);
  });

  it('starts another repository\'s builds within the first claims after 200 of one repository', async () => {
    const { store } = ctx();
    const a: string[] = [];
    for (let i = 0; i < 200; i++) a.push(await queue(store, A, `feature-${i}`));
    const b = [await queue(store, B, 'x'), await queue(store, B, 'y'), await queue(store, B, 'z')];
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) order.push((await store.claimNext(null))?.id);
    // Ties (as many running each) go to the older build: A's.
    expect(order).toEqual([a[0], b[0], a[1], b[1], a[2], b[2]]);
    // Finishing B's leaves A the only one with work; it goes on in order.
    for (const id of b) await finish(store, id);
    expect((await store.claimNext(null))?.id).toBe(a[3]);
  });

  it('never starts a second build of a branch while one runs; it starts once that one ends', async () => {
    const { store } = ctx();
    const first = await queue(store, A, 'main');
    const second = await queue(store, A, 'main');
    const other = await queue(store, A, 'dev');
    expect((await store.claimNext(null))?.id).toBe(first);
    expect((await store.claimNext(null))?.id).toBe(other);
    expect(await store.claimNext(null)).toBeUndefined();
    expect((await store.getBuild(second))?.status).toBe('queued');
    await finish(store, first);
    expect((await store.claimNext(null))?.id).toBe(second);
  });

  it('counts a request with its sibling projects as one running unit, and its siblings keep the branch busy', async () => {
    const { store } = ctx();
    const a1 = await queue(store, A, 'main');
    const a2 = await queue(store, A, 'dev');
    const b1 = await queue(store, B, 'x');
    const b2 = await queue(store, B, 'y');
    const again = await queue(store, A, 'main');
    expect((await store.claimNext(null))?.id).toBe(a1);
    await store.addSiblings(a1, ['worker', 'cron']);
    expect((await store.claimNext(null))?.id).toBe(b1);
    // A runs one request of three builds, B one: a tie, so the older a2 goes first (not b2).
    expect((await store.claimNext(null))?.id).toBe(a2);
    expect((await store.claimNext(null))?.id).toBe(b2);
    // The request's first build ends, its siblings still run: main stays busy.
    await finish(store, a1);
    expect(await store.claimNext(null)).toBeUndefined();
    for (const s of (await store.listGroup(a1)).filter((x) => x.status === 'started')) await finish(store, s.id);
    expect((await store.claimNext(null))?.id).toBe(again);
  });

  it('takes only builds the claimer\'s filter admits, in the same order', async () => {
    const { backend, store } = ctx();
    await queue(store, A, 'main');
    const b = await queue(store, B, 'main');
    const picked = await claimNext(backend, null, { filter: (eb) => eb('q.repo', '!=', A) });
    expect(picked?.id).toBe(b);
    expect(await claimNext(backend, null, { filter: (eb) => eb('q.repo', '=', C) })).toBeUndefined();
  });

  it('respects maxStarted with the fair order', async () => {
    const { store } = ctx();
    await queue(store, A, 'one');
    await queue(store, A, 'two');
    const b = await queue(store, B, 'main');
    await store.claimNext(2);
    expect((await store.claimNext(2))?.id).toBe(b);
    expect(await store.claimNext(2)).toBeUndefined();
  });

  it('with many concurrent claimers, starts every build once and never two of one branch at once', async () => {
    const { backend, store, url } = ctx();
    // Postgres: three connection pools are three processes (server and agents). SQLite in memory has one.
    const others = c.name === 'postgres' ? await Promise.all([openSqlBackend(url, { dataDir: '/nonexistent' }), openSqlBackend(url, { dataDir: '/nonexistent' })]) : [];
    try {
      const ids = new Set<string>();
      for (let round = 0; round < 3; round++) {
        for (let r = 0; r < 6; r++) for (let br = 0; br < 4; br++) ids.add(await queue(store, `https://git.example/r${r}`, `b${br}`));
      }
      const backends = [backend, ...others];
      // Claimers that may take different builds (as agents with different labels do) would pick two of
      // one branch at once if the choice were not atomic; some take any build.
      const filters: (QueuedFilter | undefined)[] = [undefined, (eb) => eb('q.id', '<', 'M'), (eb) => eb('q.id', '>=', 'M')];
      const running = new Map<string, string>();
      const overlaps: string[] = [];
      const started: string[] = [];
      const claimer = async (i: number): Promise<void> => {
        const b = backends[i % backends.length]!;
        const filter = filters[i % filters.length];
        for (;;) {
          const build: BuildRecord | undefined = await claimNext(b, null, { filter });
          if (!build) {
            if ((await store.countByStatus()).queued === 0) return;
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          // Recorded right after the claim committed and dropped right before the finish is written:
          // a narrower window than the database's, so an overlap seen here is a real one.
          const key = `${build.repo} ${build.branch}`;
          const other = running.get(key);
          if (other !== undefined) overlaps.push(`${build.id} started while ${other} ran on ${key}`);
          running.set(key, build.id);
          started.push(build.id);
          await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
          running.delete(key);
          await finish(store, build.id);
        }
      };
      await Promise.all(Array.from({ length: 12 }, (_, i) => claimer(i)));
      expect(overlaps).toEqual([]);
      expect(started).toHaveLength(ids.size);
      expect(new Set(started)).toEqual(ids);
      expect(await store.countByStatus()).toMatchObject({ queued: 0, started: 0, passed: ids.size });
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});
