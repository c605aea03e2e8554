import { describe, expect, it } from 'vitest';
import { backendCases, newBuild, useStore } from './backends.js';

describe.each(backendCases)('deleteFinishedBefore ($name)', (c) => {
  const ctx = useStore(c);

  it('deletes finished builds updated before the date, and logs of groups left empty', async () => {
    const { store } = ctx();
    const done = (await store.createBuild(newBuild('https://h/o/done'))).build;
    const queued = (await store.createBuild(newBuild('https://h/o/queued'))).build;
    const mixed = (await store.createBuild(newBuild('https://h/o/mixed'))).build;
    const [running] = await store.addSiblings(mixed.groupId, ['https://h/o/mixed__two']);
    await store.updateBuild(done.id, { status: 'passed' });
    await store.updateBuild(mixed.id, { status: 'failed' });
    for (const g of [done.groupId, queued.groupId, mixed.groupId]) await store.appendLog(g, `log of ${g}`);

    expect(await store.deleteFinishedBefore(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.deleteFinishedBefore(new Date(Date.now() + 60_000))).toBe(2);

    expect(await store.getBuild(done.id)).toBeUndefined();
    expect(await store.getBuild(mixed.id)).toBeUndefined();
    expect(await store.getBuild(queued.id)).toBeDefined();
    expect(await store.getBuild(running!.id)).toBeDefined();
    expect(await store.readLog(done.groupId, 0)).toBe('');
    // The group still has a running build: its shared log stays.
    expect(await store.readLog(mixed.groupId, 0)).toBe(`log of ${mixed.groupId}`);
    expect(await store.readLog(queued.groupId, 0)).toBe(`log of ${queued.groupId}`);
  });

  it('deletes webhook deliveries received before the date', async () => {
    const { store } = ctx();
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    await store.recordDelivery({ id: 'old', event: 'push', repo: null, ref: null, result: 'built', buildId: null, receivedAt: at(-120_000) });
    await store.recordDelivery({ id: 'new', event: 'push', repo: null, ref: null, result: 'built', buildId: null, receivedAt: at(0) });
    await store.deleteFinishedBefore(new Date(Date.now() - 60_000));
    expect((await store.listDeliveries({ limit: 10 })).map((d) => d.id)).toEqual(['new']);
  });
});
