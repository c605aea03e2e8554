import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { openStore } from '../../src/store/open.js';
import { backendCases, newBuild, useStore } from './backends.js';

async function queue(store: Store, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await store.createBuild(newBuild(`https://h/o/r${i}`))).build.id);
  return ids;
}

const claimed = (results: (BuildRecord | undefined)[]) => results.filter((b): b is BuildRecord => b !== undefined);

describe.each(backendCases)('claimNext ($name)', (c) => {
  const ctx = useStore(c);

  it('starts queued builds oldest first', async () => {
    const { store } = ctx();
    const ids = await queue(store, 3);
    const first = await store.claimNext(null);
    expect(first).toMatchObject({ id: ids[0], status: 'started' });
    expect(first?.startedAt).not.toBeNull();
    expect((await store.claimNext(null))?.id).toBe(ids[1]);
    expect((await store.claimNext(null))?.id).toBe(ids[2]);
    expect(await store.claimNext(null)).toBeUndefined();
  });

  it('skips builds that are no longer queued', async () => {
    const { store } = ctx();
    const ids = await queue(store, 2);
    await store.updateBuild(ids[0]!, { status: 'canceled' });
    expect((await store.claimNext(null))?.id).toBe(ids[1]);
  });

  it('never starts more than maxStarted nor the same build twice, with 50 concurrent claims', async () => {
    const { store } = ctx();
    const ids = await queue(store, 20);
    const results = claimed(await Promise.all(Array.from({ length: 50 }, () => store.claimNext(5))));
    expect(results).toHaveLength(5);
    expect(results.map((b) => b.id).sort()).toEqual(ids.slice(0, 5).sort());
    expect((await store.countByStatus()).started).toBe(5);
    // Room again once one finishes.
    await store.updateBuild(results[0]!.id, { status: 'passed' });
    expect((await store.claimNext(5))?.id).toBe(ids[5]);
    expect(await store.claimNext(5)).toBeUndefined();
  });

  it('claims each build once without a limit, with 50 concurrent claims', async () => {
    const { store } = ctx();
    const ids = await queue(store, 20);
    const results = claimed(await Promise.all(Array.from({ length: 50 }, () => store.claimNext(null))));
    expect(results.map((b) => b.id).sort()).toEqual([...ids].sort());
    expect(await store.countByStatus()).toMatchObject({ queued: 0, started: 20 });
  });

  it('counts siblings as started builds', async () => {
    const { store } = ctx();
    await queue(store, 3);
    const first = await store.claimNext(2);
    await store.addSiblings(first!.groupId, ['x']);
    expect(await store.claimNext(2)).toBeUndefined();
  });

  it.runIf(c.name === 'postgres')('holds the limit across stores sharing one database (server and agents)', async () => {
    const { store, url } = ctx();
    const ids = await queue(store, 30);
    const others = await Promise.all([openStore(url, { dataDir: '/nonexistent' }), openStore(url, { dataDir: '/nonexistent' })]);
    try {
      const all = [store, ...others];
      const results = claimed(
        await Promise.all(Array.from({ length: 60 }, (_, i) => all[i % all.length]!.claimNext(7))),
      );
      expect(results).toHaveLength(7);
      expect(new Set(results.map((b) => b.id)).size).toBe(7);
      expect(results.map((b) => b.id).sort()).toEqual(ids.slice(0, 7).sort());
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('fails every started build with a reason (crash recovery)', async () => {
    const { store } = ctx();
    const ids = await queue(store, 3);
    await store.claimNext(null);
    await store.claimNext(null);
    expect(await store.failStarted('the server restarted')).toBe(2);
    const [a, b, q] = await Promise.all(ids.map((id) => store.getBuild(id)));
    for (const build of [a, b]) {
      expect(build).toMatchObject({ status: 'failed', error: 'the server restarted' });
      expect(build?.finishedAt).not.toBeNull();
    }
    expect(q?.status).toBe('queued');
    expect(await store.failStarted('again')).toBe(0);
  });
});
