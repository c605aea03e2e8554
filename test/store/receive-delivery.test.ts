import { describe, expect, it } from 'vitest';
import type { Delivery, NewBuild } from '../../src/core/store.js';
import { createSqlStore } from '../../src/store/sql-store.js';
import { openSqlBackend } from '../../src/store/open.js';
import { backendCases, useStore } from './backends.js';

const REPO = 'https://git.example.test/team/app.git';

const delivery = (id: string, identity?: string): Delivery => ({
  id,
  event: 'push',
  repo: REPO,
  ref: 'v1.0.0',
  result: 'received',
  buildId: null,
  receivedAt: new Date().toISOString(),
  ...(identity === undefined ? {} : { identity }),
});

const build = (commit: string | null = null): NewBuild => ({ repo: REPO, branch: 'v1.0.0', trigger: 'webhook', options: { webhook: { refType: 'tag' } }, commit });
const since = () => new Date(Date.now() - 60_000).toISOString();

describe.each(backendCases)('receiveDelivery ($name)', (c) => {
  const ctx = useStore(c);

  it('records the delivery and queues its build in one go; the same id again is seen', async () => {
    const { store } = ctx();
    const receipt = await store.receiveDelivery(delivery('d1', 'tag'), { build: build('a'.repeat(40)), replaySince: since() });
    expect(receipt).toMatchObject({ kind: 'queued', created: true, build: { repo: REPO, branch: 'v1.0.0', status: 'queued' } });
    const id = receipt.kind === 'queued' ? receipt.build.id : '';
    expect(await store.listDeliveries({ limit: 5 })).toMatchObject([{ id: 'd1', result: 'built', buildId: id }]);
    expect(await store.receiveDelivery(delivery('d1', 'tag'), { build: build(), replaySince: since() })).toEqual({ kind: 'seen' });
    expect(await store.listBuilds({ limit: 5 })).toHaveLength(1);
  });

  it('a second delivery with the same identity is the first one\'s duplicate, with its build; an old one is not', async () => {
    const { store } = ctx();
    const first = await store.receiveDelivery(delivery('d1', 'tag'), { build: build(), replaySince: since() });
    const second = await store.receiveDelivery(delivery('d2', 'tag'), { build: build('b'.repeat(40)), replaySince: since() });
    expect(second).toMatchObject({ kind: 'replay', of: { id: 'd1' } });
    const buildId = first.kind === 'queued' ? first.build.id : '';
    expect((await store.listDeliveries({ limit: 5 })).find((d) => d.id === 'd2')).toMatchObject({ result: 'duplicate: same payload as delivery d1', buildId });
    // Outside the window the same identity builds again.
    const later = await store.receiveDelivery(delivery('d3', 'tag'), { build: build(), replaySince: new Date(Date.now() + 60_000).toISOString() });
    expect(later).toMatchObject({ kind: 'queued', created: true });
  });

  it('many deliveries of one identity at once, from two connections: exactly one build, every other a duplicate of it', async () => {
    const { store, url } = ctx();
    // A second store on the same database, as a second server or agent process would have.
    const other = c.name === 'postgres' ? createSqlStore(await openSqlBackend(url, { dataDir: '/nonexistent' })) : store;
    try {
      const receipts = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).receiveDelivery(delivery(`c${i}`, 'same'), { build: build(), replaySince: since() })),
      );
      const queued = receipts.filter((r) => r.kind === 'queued');
      expect(queued).toHaveLength(1);
      expect(receipts.filter((r) => r.kind === 'replay')).toHaveLength(11);
      const builds = await store.listBuilds({ limit: 50 });
      expect(builds).toHaveLength(1);
      const recorded = await store.listDeliveries({ limit: 50 });
      expect(new Set(recorded.map((d) => d.buildId))).toEqual(new Set([builds[0]!.id]));
    } finally {
      if (other !== store) await other.close();
    }
  });

  it('without a build: recorded only, and a replay still finds it', async () => {
    const { store } = ctx();
    expect(await store.receiveDelivery(delivery('p1', 'comment 7'), { replaySince: since() })).toEqual({ kind: 'recorded' });
    expect(await store.receiveDelivery(delivery('p2', 'comment 7'), { replaySince: since() })).toMatchObject({ kind: 'replay', of: { id: 'p1' } });
    expect(await store.listBuilds({ limit: 5 })).toEqual([]);
  });
});
