import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LeaseLostError, type Store } from '../../src/core/store.js';
import { PgSignals } from '../../src/queue/pg-signals.js';
import { backendCases, newBuild, useStore } from './backends.js';

const A = { owner: 'agent:a', seconds: 30 };
const B = { owner: 'agent:b', seconds: 30 };

/** Moves every lease into the past, as if its process had stopped renewing long ago. */
async function expireAll(store: Store, owner: string): Promise<void> {
  // A renewal with a negative lease is the shortest way to an expired one through the port itself.
  const started = await store.listBuilds({ limit: 1000, status: 'started' });
  await store.renewLeases(owner, -1, started.map((b) => b.groupId));
}

describe.each(backendCases)('leases ($name)', (c) => {
  const ctx = useStore(c);

  it('a claim records the owner and a lease; renewal extends every started build of the owner in one call', async () => {
    const { store } = ctx();
    const one = (await store.createBuild(newBuild('https://h/o/one'))).build;
    const two = (await store.createBuild(newBuild('https://h/o/two'))).build;
    await store.createBuild(newBuild('https://h/o/three'));
    const claimed = await store.claimNext(null, { lease: A });
    expect(claimed).toMatchObject({ id: one.id, leaseOwner: 'agent:a', attempt: 1, pushed: false });
    await store.claimNext(null, { lease: A });
    await store.claimNext(null, { lease: B });
    const all = [one.id, two.id, (await store.listBuilds({ limit: 10, status: 'started' })).map((b) => b.id)].flat();
    expect((await store.renewLeases('agent:a', 30, all)).sort()).toEqual([one.id, two.id].sort());
    // Only the groups named: a claim the process does not know it made is left to expire.
    expect(await store.renewLeases('agent:a', 30, [two.id])).toEqual([two.id]);
    expect(await store.renewLeases('agent:nobody', 30, all)).toEqual([]);
  });

  it('an expired build that pushed nothing is re-queued once as attempt 2, then failed lost', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild());
    await store.claimNext(null, { lease: A });
    expect(await store.reclaim({ expired: true })).toEqual({ requeued: [], failed: [] });
    await expireAll(store, 'agent:a');
    const first = await store.reclaim({ expired: true });
    expect(first.requeued.map((b) => [b.id, b.status, b.attempt, b.leaseOwner])).toEqual([[build.id, 'queued', 2, null]]);
    const again = await store.claimNext(null, { lease: B });
    expect(again).toMatchObject({ id: build.id, attempt: 2, leaseOwner: 'agent:b' });
    await expireAll(store, 'agent:b');
    const second = await store.reclaim({ expired: true });
    expect(second.requeued).toEqual([]);
    expect(second.failed.map((b) => [b.id, b.status, b.error])).toEqual([[build.id, 'failed', 'lost: agent b stopped responding']]);
  });

  it('a build that began pushing is failed lost, not run again', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild());
    await store.claimNext(null, { lease: A });
    await store.updateBuild(build.id, { pushed: true }, { owner: 'agent:a', attempt: 1 });
    await expireAll(store, 'agent:a');
    const { requeued, failed } = await store.reclaim({ expired: true });
    expect(requeued).toEqual([]);
    expect(failed[0]).toMatchObject({ id: build.id, status: 'failed', error: 'lost: agent a stopped responding', pushed: true });
  });

  it('a build whose build args were dropped at claim is failed lost rather than run without them', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild({ ...newBuild(), options: { buildargs: { TOKEN: 'secret' } } });
    await store.claimNext(null, { lease: A });
    await expireAll(store, 'agent:a');
    const { requeued, failed } = await store.reclaim({ expired: true });
    expect(requeued).toEqual([]);
    expect(failed[0]?.id).toBe(build.id);
    expect(failed[0]?.error).toMatch(/^lost: agent a stopped responding \(its build args were not kept/);
  });

  it("an owner's builds are taken back at once, whatever their lease; others' are left alone", async () => {
    const { store } = ctx();
    const mine = (await store.createBuild(newBuild('https://h/o/mine'))).build;
    const theirs = (await store.createBuild(newBuild('https://h/o/theirs'))).build;
    await store.claimNext(null, { lease: { owner: 'agent:a', seconds: 3600 } });
    await store.claimNext(null, { lease: { owner: 'agent:b', seconds: 3600 } });
    const { requeued } = await store.reclaim({ owner: 'agent:a' });
    expect(requeued.map((b) => b.id)).toEqual([mine.id]);
    expect((await store.getBuild(theirs.id))?.status).toBe('started');
  });

  it("a group's siblings go with it: removed when the group is re-queued, failed when a sibling finished", async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild());
    await store.claimNext(null, { lease: A });
    const [sibling] = await store.addSiblings(build.groupId, ['p2']);
    expect(sibling).toMatchObject({ leaseOwner: 'agent:a', attempt: 1 });
    await expireAll(store, 'agent:a');
    expect((await store.reclaim({ expired: true })).requeued.map((b) => b.id)).toEqual([build.id]);
    expect((await store.listGroup(build.groupId)).map((b) => b.id)).toEqual([build.id]);

    await store.claimNext(null, { lease: A });
    const [s2] = await store.addSiblings(build.groupId, ['p2']);
    await store.updateBuild(s2!.id, { status: 'passed' }, { owner: 'agent:a', attempt: 2 });
    await expireAll(store, 'agent:a');
    const { failed } = await store.reclaim({ expired: true });
    expect(failed.map((b) => b.id)).toEqual([build.id]);
    expect((await store.getBuild(s2!.id))?.status).toBe('passed');
  });

  it("fencing: once a build was taken back, the old run's writes are refused and change nothing", async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild());
    await store.claimNext(null, { lease: A });
    const oldRun = { owner: 'agent:a', attempt: 1 };
    await expect(store.updateBuild(build.id, { tag: 'x' }, oldRun)).resolves.toMatchObject({ tag: 'x' });
    await expireAll(store, 'agent:a');
    await store.reclaim({ expired: true });
    // Claimed again by the same process name: the attempt still tells the runs apart.
    await store.claimNext(null, { lease: A });
    await expect(store.updateBuild(build.id, { status: 'passed' }, oldRun)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.updateBuild(build.id, { pushed: true }, oldRun)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.getBuild(build.id)).toMatchObject({ status: 'started', attempt: 2, pushed: false });
    await expect(store.updateBuild(build.id, { status: 'passed' }, { owner: 'agent:a', attempt: 2 })).resolves.toMatchObject({ status: 'passed' });
  });

  it('concurrent reclaimers take each lost build back exactly once', async () => {
    const { store, url } = ctx();
    for (let i = 0; i < 20; i++) await store.createBuild(newBuild(`https://h/o/r${i}`));
    for (let i = 0; i < 20; i++) await store.claimNext(null, { lease: A });
    await expireAll(store, 'agent:a');
    const others = c.name === 'postgres' ? await Promise.all([1, 2, 3].map(async () => (await import('../../src/store/open.js')).openStore(url, { dataDir: '/nonexistent' }))) : [];
    try {
      const results = await Promise.all([store, store, ...others].map((s) => s.reclaim({ expired: true })));
      const ids = results.flatMap((r) => r.requeued.map((b) => b.id));
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    } finally {
      for (const s of others) await s.close();
    }
  });

  it('each run taken back counts once against the process that held it, through concurrent take-backs and heartbeats', async () => {
    const { store, url } = ctx();
    const beat = (name: string) =>
      store.recordAgent({ name, labels: {}, capacity: 4, running: 0, version: 't', healthy: true, problem: null, startedAt: '2026-01-01T00:00:00.000Z', lastHeartbeat: new Date().toISOString() });
    const expiries = async () => Object.fromEntries((await store.listAgents()).map((a) => [a.name, a.leaseExpiries]));
    await beat('a');
    await beat('b');
    for (let i = 0; i < 5; i++) await store.createBuild(newBuild(`https://h/o/x${i}`));
    for (let i = 0; i < 3; i++) await store.claimNext(null, { lease: A });
    for (let i = 0; i < 2; i++) await store.claimNext(null, { lease: B });
    await expireAll(store, 'agent:a');
    const others = c.name === 'postgres' ? await Promise.all([1, 2].map(async () => (await import('../../src/store/open.js')).openStore(url, { dataDir: '/nonexistent' }))) : [];
    try {
      await Promise.all([store, store, ...others].map((s) => s.reclaim({ expired: true })));
    } finally {
      for (const s of others) await s.close();
    }
    expect(await expiries()).toEqual({ a: 3, b: 0 });
    // A heartbeat replaces what the agent reports, never what the fleet counted.
    await beat('a');
    expect(await expiries()).toEqual({ a: 3, b: 0 });
    // A restart under its name: taken back at once, counted the same; a failed-lost run counts too.
    await store.reclaim({ owner: 'agent:b' });
    await store.claimNext(null, { lease: A });
    await expireAll(store, 'agent:a');
    const { failed, requeued } = await store.reclaim({ expired: true });
    expect(failed.length + requeued.length).toBe(1);
    expect(await expiries()).toEqual({ a: 4, b: 2 });
  });
});

describe.skipIf(!backendCases.some((c) => c.name === 'postgres'))('queue signals (postgres)', () => {
  const c = backendCases.find((b) => b.name === 'postgres');
  const ctx = useStore(c!);

  it('every writer notifies: queued on insert and re-queue, canceled with the group id, from plain SQL too', async () => {
    const { store, url } = ctx();
    const signals = new PgSignals(url);
    const queued: number[] = [];
    const canceled: string[] = [];
    let connected!: () => void;
    const ready = new Promise<void>((r) => (connected = r));
    await signals.listen({
      queued: () => {
        queued.push(Date.now());
        connected();
      },
      canceled: (g) => canceled.push(g),
    });
    try {
      await ready;
      const before = queued.length;
      const { build } = await store.createBuild(newBuild());
      await expect.poll(() => queued.length, { timeout: 10_000 }).toBeGreaterThan(before);
      await store.claimNext(null, { lease: A });
      await store.updateBuild(build.id, { status: 'canceled' });
      await expect.poll(() => canceled, { timeout: 10_000 }).toEqual([build.groupId]);
      // A write from outside Roger (psql, another tool) is heard the same way.
      const other = (await store.createBuild(newBuild('https://h/o/other'))).build;
      const n = queued.length;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`update builds set status = 'canceled' where id = $1`, [other.id]);
      await client.end();
      await expect.poll(() => canceled.length, { timeout: 10_000 }).toBe(2);
      expect(queued.length).toBeGreaterThanOrEqual(n);
    } finally {
      await signals.close();
    }
  });
});
