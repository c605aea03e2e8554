import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { openStore } from '../../src/store/open.js';
import { requestBuild, type BuildInput, type RequestDeps } from '../../src/trigger/request.js';
import { backendCases, newBuild, useStore } from '../store/backends.js';

const REPO = 'https://git.example/app';
const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);

interface Harness {
  deps: RequestDeps;
  aborted: { groupId: string; reason: string }[];
  touched: string[];
}

function harness(store: Store, opts: { cancelSuperseded?: boolean; runsHere?: boolean } = {}): Harness {
  const aborted: Harness['aborted'] = [];
  const touched: string[] = [];
  const deps: RequestDeps = {
    store,
    allowedSchemes: ['https'],
    cancelSuperseded: opts.cancelSuperseded ?? false,
    wake: () => undefined,
    abort: (groupId, reason) => (aborted.push({ groupId, reason }), opts.runsHere ?? false),
    touch: (groupId) => void touched.push(groupId),
  };
  return { deps, aborted, touched };
}

const request = async (deps: RequestDeps, input: Partial<BuildInput> = {}): Promise<BuildRecord> =>
  (await requestBuild(deps, { repo: REPO, branch: 'main', trigger: 'api', ...input })).build;

const tagPush = (ref: string, commit: string): Partial<BuildInput> => ({ branch: ref, commit, trigger: 'webhook', internal: { webhook: { refType: 'tag' } } });

const statusOf = async (store: Store, id: string) => {
  const b = await store.getBuild(id);
  return { status: b?.status, error: b?.error };
};

describe.each(backendCases)('superseding ($name)', (c) => {
  const ctx = useStore(c);

  it('a build queued when superseding then fails is answered, not an error; the next request of the branch supersedes', async () => {
    const { store } = ctx();
    let failures = 1;
    // The database busy past the pool's wait, after the build's insert committed.
    const flaky: Store = {
      ...store,
      supersede: (repo, branch) => (failures-- > 0 ? Promise.reject(new Error('timeout exceeded when trying to connect')) : store.supersede(repo, branch)),
    };
    const { deps } = harness(flaky);
    const warnings: string[] = [];
    let woken = 0;
    const first = await request({ ...deps, wake: () => void woken++, log: { warn: (msg: string) => void warnings.push(msg) } });
    const second = await request({ ...deps, wake: () => void woken++ });
    expect([first.status, second.status]).toEqual(['queued', 'queued']);
    expect(woken).toBe(2);
    expect(warnings).toEqual([`build ${first.id} queued, but the older builds of its branch were not superseded: timeout exceeded when trying to connect`]);
    expect(await statusOf(store, first.id)).toEqual({ status: 'canceled', error: `superseded by ${second.id}` });
  });

  it('cancels the older queued builds of a branch when a newer one is queued, and only those', async () => {
    const { store } = ctx();
    const { deps, touched } = harness(store);
    const first = await request(deps);
    const otherBranch = await request(deps, { branch: 'dev' });
    const otherRepo = await request(deps, { repo: 'https://git.example/other' });
    const second = await request(deps);
    const third = await request(deps);
    // Each by the build that was newest when it was superseded.
    expect(await statusOf(store, first.id)).toEqual({ status: 'canceled', error: `superseded by ${second.id}` });
    expect(await statusOf(store, second.id)).toEqual({ status: 'canceled', error: `superseded by ${third.id}` });
    expect((await store.getBuild(first.id))?.finishedAt).not.toBeNull();
    for (const kept of [third, otherBranch, otherRepo]) expect((await store.getBuild(kept.id))?.status).toBe('queued');
    // Followers of a superseded build's log learn that it ended.
    expect(touched).toEqual(expect.arrayContaining([first.id, second.id]));
  });

  it('keeps a running build by default: the newer one waits for the branch', async () => {
    const { store } = ctx();
    const { deps, aborted } = harness(store);
    const first = await request(deps);
    expect((await store.claimNext(null))?.id).toBe(first.id);
    const second = await request(deps);
    expect(aborted).toEqual([]);
    expect((await store.getBuild(first.id))?.status).toBe('started');
    expect(await store.claimNext(null)).toBeUndefined();
    await store.updateBuild(first.id, { status: 'passed' });
    expect((await store.claimNext(null))?.id).toBe(second.id);
  });

  it('with builds.cancelSuperseded, cancels a running build and its siblings through the cancel path', async () => {
    const { store } = ctx();
    const { deps, aborted, touched } = harness(store, { cancelSuperseded: true });
    const first = await request(deps);
    await store.claimNext(null);
    const [sibling] = await store.addSiblings(first.groupId, ['worker']);
    const second = await request(deps);
    const reason = `superseded by ${second.id}`;
    // Not running in this process (an agent runs it): recorded canceled, the agent aborts it.
    expect(aborted).toEqual([{ groupId: first.groupId, reason }]);
    for (const id of [first.id, sibling!.id]) expect(await statusOf(store, id)).toEqual({ status: 'canceled', error: reason });
    expect(touched).toContain(first.groupId);
    expect((await store.claimNext(null))?.id).toBe(second.id);
  });

  it('with builds.cancelSuperseded, aborts a build running in this process (its pipeline records the cancel)', async () => {
    const { store } = ctx();
    const { deps, aborted } = harness(store, { cancelSuperseded: true, runsHere: true });
    const first = await request(deps);
    await store.claimNext(null);
    const second = await request(deps);
    expect(aborted).toEqual([{ groupId: first.groupId, reason: `superseded by ${second.id}` }]);
    expect((await store.getBuild(first.id))?.status).toBe('started');
  });

  it('never supersedes builds of tags, nor lets them supersede', async () => {
    const { store } = ctx();
    const { deps, aborted } = harness(store, { cancelSuperseded: true });
    const tag1 = await request(deps, tagPush('v1.0', SHA1));
    const tag2 = await request(deps, tagPush('v1.0', SHA2));
    const branch = await request(deps, { branch: 'v1.0' });
    const tag3 = await request(deps, tagPush('v1.0', '3'.repeat(40)));
    for (const b of [tag1, tag2, branch, tag3]) expect((await store.getBuild(b.id))?.status).toBe('queued');
    // A running tag build is not canceled by a newer one either.
    const running = await store.claimNext(null);
    expect(running?.id).toBe(tag1.id);
    await request(deps, tagPush('v1.0', '4'.repeat(40)));
    expect(aborted).toEqual([]);
    expect((await store.getBuild(tag1.id))?.status).toBe('started');
  });

  it('treats a second request for the queued commit as a duplicate, not as newer; a new commit supersedes it', async () => {
    const { store } = ctx();
    const { deps } = harness(store);
    const push = { commit: SHA1, trigger: 'webhook' as const, internal: { webhook: { refType: 'branch' as const } } };
    const first = await requestBuild(deps, { repo: REPO, branch: 'main', ...push });
    const again = await requestBuild(deps, { repo: REPO, branch: 'main', ...push });
    expect(again).toMatchObject({ created: false, build: { id: first.build.id } });
    expect((await store.getBuild(first.build.id))?.status).toBe('queued');
    const next = await request(deps, { ...push, commit: SHA2 });
    expect(await statusOf(store, first.build.id)).toEqual({ status: 'canceled', error: `superseded by ${next.id}` });
  });

  it('with builds.cancelSuperseded, leaves a running build of the very commit queued again', async () => {
    const { store } = ctx();
    const { deps, aborted } = harness(store, { cancelSuperseded: true });
    const push = { commit: SHA1, trigger: 'webhook' as const };
    const first = await request(deps, push);
    await store.claimNext(null);
    const second = await request(deps, push);
    expect(second.id).not.toBe(first.id);
    expect(aborted).toEqual([]);
    expect((await store.getBuild(first.id))?.status).toBe('started');
    expect((await store.getBuild(second.id))?.status).toBe('queued');
  });

  it('supersedes an older build queued after a newer one already started (inserts committed out of order)', async () => {
    const { store } = ctx();
    const older = (await store.createBuild(newBuild(REPO, 'main'))).build;
    const newer = (await store.createBuild(newBuild(REPO, 'main'))).build;
    await store.updateBuild(newer.id, { status: 'started' });
    const done = await store.supersede(REPO, 'main');
    expect(done?.newest.id).toBe(newer.id);
    expect(done?.canceled.map((b) => b.id)).toEqual([older.id]);
    expect(await statusOf(store, older.id)).toEqual({ status: 'canceled', error: `superseded by ${newer.id}` });
  });

  it('drops the build-arg values of a superseded build', async () => {
    const { store } = ctx();
    const { deps } = harness(store);
    const first = await request(deps, { options: { buildargs: { TOKEN: 'secret-value' } } });
    await request(deps);
    const old = await store.getBuild(first.id);
    expect(old?.status).toBe('canceled');
    expect(old?.options).toEqual({ buildargNames: ['TOKEN'] });
  });

  it('leaves exactly the newest of 8 simultaneous requests of one branch queued, every time', async () => {
    const { backend, store, url } = ctx();
    // Postgres: requests arrive at the server and are queued through separate connection pools too.
    const others = c.name === 'postgres' ? await Promise.all([openStore(url, { dataDir: '/nonexistent' }), openStore(url, { dataDir: '/nonexistent' })]) : [];
    try {
      const stores = [store, ...others];
      for (let round = 0; round < 6; round++) {
        const branch = `race-${round}`;
        const builds = await Promise.all(Array.from({ length: 8 }, (_, i) => request(harness(stores[i % stores.length]!).deps, { branch })));
        const rows = await backend.db.selectFrom('builds').select(['id', 'seq', 'status', 'error']).where('branch', '=', branch).orderBy('seq').execute();
        expect(rows.map((r) => r.id).sort()).toEqual(builds.map((b) => b.id).sort());
        const newest = rows[rows.length - 1]!;
        expect(newest.status).toBe('queued');
        // Each one by a newer build of the branch (the newest when it was superseded).
        for (const [i, r] of rows.slice(0, -1).entries()) {
          expect(r.status, `round ${round}`).toBe('canceled');
          const by = r.error?.match(/^superseded by (\S+)$/)?.[1];
          expect(rows.slice(i + 1).map((n) => n.id), `round ${round}: ${r.error}`).toContain(by);
        }
      }
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });
});
