import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { BuildEvent } from '../../src/core/events.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { LogHub } from '../../src/logs/hub.js';
import { createMasker } from '../../src/config/mask.js';
import { checkedOutCommit, lostRuns, reclaimedHandler, sweepLeftovers } from '../../src/runner/reclaimed.js';
import type { ContainerRun, LeftoverRun } from '../../src/core/engine.js';
import { openStore } from '../../src/store/open.js';

const record = (over: Partial<BuildRecord>): BuildRecord => ({
  id: 'b1',
  groupId: 'b1',
  project: 'file:///r__app',
  repo: 'file:///r',
  branch: 'master',
  status: 'failed',
  tag: null,
  commit: null,
  author: null,
  digest: null,
  trigger: 'api',
  options: {},
  error: 'lost: agent a stopped responding',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  attempt: 1,
  leaseOwner: 'agent:a',
  pushed: false,
  ...over,
});

describe('builds taken back', () => {
  it('their lost runs are the attempt before a re-queued one, and a failed one\'s own, once per group', () => {
    const runs = lostRuns({
      requeued: [record({ id: 'q', groupId: 'q', status: 'queued', attempt: 2 })],
      failed: [record({ id: 'f', groupId: 'f', attempt: 2 }), record({ id: 's', groupId: 'f', attempt: 2 })],
    });
    expect(runs).toEqual([
      { build: 'q', attempt: 1 },
      { build: 'f', attempt: 2 },
    ]);
  });

  it('a commit counts as checked out only once the plan named the image with it', () => {
    expect(checkedOutCommit(record({ commit: 'a'.repeat(40) }))).toBeUndefined();
    expect(checkedOutCommit(record({ commit: 'a'.repeat(40), tag: 'reg/app:master' }))).toBe('a'.repeat(40));
  });

  it('tells the events of the failed ones only, notes each in its log, and removes the runs\' containers', async () => {
    const store = await openStore(':memory:', { dataDir: '/nonexistent' });
    try {
      const logs = new LogHub(store, { mask: createMasker([]), flushMs: 1 });
      const queued = (await store.createBuild({ repo: 'file:///r', branch: 'master', trigger: 'api', options: {} })).build;
      const lost = (await store.createBuild({ repo: 'file:///r', branch: 'other', trigger: 'api', options: {} })).build;
      const engine = createFakeEngine();
      const finished: BuildEvent[] = [];
      const handler = reclaimedHandler({ engine, logs, events: { finished: (e) => void finished.push(e) }, log: pino({ level: 'silent' }), owner: 'server:s' });
      const failed = record({ id: lost.id, groupId: lost.id, tag: 'reg/app:other', commit: 'c'.repeat(40) });
      handler.onReclaimed({ requeued: [{ ...queued, status: 'queued', attempt: 2 }], failed: [failed] });
      await handler.idle();
      expect(finished).toEqual([{ build: failed, checkedOut: 'c'.repeat(40) }]);
      expect(engine.callsOf('removeLeftovers')).toEqual([
        { method: 'removeLeftovers', runs: [{ build: queued.id, attempt: 1 }, { build: lost.id, attempt: 1 }] },
      ]);
      expect(await store.readLog(queued.id, 0)).toContain('Re-queued as attempt 2');
      expect(await store.readLog(lost.id, 0)).toContain('FAILED: lost: agent a stopped responding');
    } finally {
      await store.close();
    }
  });

  it('a starting process sweeps its own runs and runs the store has no longer going, never a live one nor an unknown build\'s', async () => {
    const store = await openStore(':memory:', { dataDir: '/nonexistent' });
    try {
      const claim = async (branch: string, owner: string): Promise<BuildRecord> => {
        await store.createBuild({ repo: 'file:///r', branch, trigger: 'api', options: {} });
        const b = await store.claimNext(null, { lease: { owner, seconds: 60 } });
        if (!b) throw new Error('nothing claimed');
        return b;
      };
      const mine = await claim('a', 'agent:me');
      const live = await claim('b', 'agent:other');
      const takenBack = await claim('c', 'agent:dead');
      await store.reclaim({ owner: 'agent:dead' });
      const listed: ContainerRun[] = [
        { owner: 'agent:me', build: mine.id, attempt: 1 },
        { owner: 'agent:other', build: live.id, attempt: 1 },
        { owner: 'agent:dead', build: takenBack.id, attempt: 1 },
        // Another installation's build on the same engine, even under this process's name.
        { owner: 'agent:me', build: 'not-in-this-store', attempt: 1 },
        // This process's earlier run of the re-queued build: its own, so over.
        { owner: 'agent:me', build: takenBack.id, attempt: 2 },
      ];
      const removed: LeftoverRun[][] = [];
      const engine = {
        containerRuns: async () => listed,
        removeLeftovers: async (runs: readonly LeftoverRun[]) => {
          removed.push([...runs]);
          return [];
        },
      };
      const asked: string[] = [];
      const counting = { listGroup: (id: string) => (asked.push(id), store.listGroup(id)) };
      await sweepLeftovers({ engine, store: counting, log: pino({ level: 'silent' }) }, 'agent:me');
      expect(removed).toEqual([[listed[0], listed[2], listed[4]]]);
      // One question per build, however many of its runs left containers.
      expect(asked.sort()).toEqual([mine.id, live.id, takenBack.id, 'not-in-this-store'].sort());
    } finally {
      await store.close();
    }
  });
});
