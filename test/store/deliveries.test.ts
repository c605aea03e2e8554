import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/core/store.js';
import { backendCases, useStore } from './backends.js';

const delivery = (id: string): Delivery => ({
  id,
  event: 'push',
  repo: 'https://github.com/company/redis',
  ref: 'refs/heads/master',
  result: 'built',
  buildId: null,
  receivedAt: new Date().toISOString(),
});

describe.each(backendCases)('deliveries ($name)', (c) => {
  const ctx = useStore(c);

  it('records a delivery once', async () => {
    const { store } = ctx();
    expect(await store.recordDelivery(delivery('d1'))).toBe(true);
    expect(await store.recordDelivery({ ...delivery('d1'), result: 'other' })).toBe(false);
    expect(await store.listDeliveries({ limit: 10 })).toEqual([{ ...delivery('d1'), receivedAt: expect.any(String) }]);
  });

  it('updates a delivery and lists newest first', async () => {
    const { store } = ctx();
    const d1 = delivery('d1');
    const d2 = { ...delivery('d2'), event: 'ping', repo: null, ref: null, result: 'ignored: ping' };
    await store.recordDelivery(d1);
    await store.recordDelivery(d2);
    await store.updateDelivery('d1', { result: 'skipped: branch not matched', buildId: 'b1' });
    expect(await store.listDeliveries({ limit: 10 })).toEqual([
      d2,
      { ...d1, result: 'skipped: branch not matched', buildId: 'b1' },
    ]);
    expect(await store.listDeliveries({ limit: 1 })).toEqual([d2]);
    const missing = await store.updateDelivery('nope', { result: 'x', buildId: null }).catch((e: unknown) => e);
    expect(isRogerError(missing, 'not-found')).toBe(true);
  });

  it('finds the first earlier delivery with the same identity inside the window, not failed ones', async () => {
    const { store } = ctx();
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const since = at(60);
    const d = (id: string, minutesAgo: number, identity: string | undefined, result = 'built'): Delivery => ({
      ...delivery(id),
      receivedAt: at(minutesAgo),
      result,
      ...(identity !== undefined && { identity }),
    });
    await store.recordDelivery(d('old', 90, 'push x'));
    await store.recordDelivery(d('broken', 30, 'push x', 'failed: database unavailable'));
    await store.recordDelivery(d('first', 20, 'push x'));
    await store.recordDelivery(d('second', 10, 'push x'));
    await store.recordDelivery(d('other', 5, 'push y'));
    await store.recordDelivery(d('plain', 1, undefined));
    expect((await store.findReplayed('second', 'push x', since))?.id).toBe('first');
    expect((await store.findReplayed('first', 'push x', since))?.id).toBeUndefined();
    expect(await store.findReplayed('other', 'push y', since)).toBeUndefined();
    expect(await store.findReplayed('old', 'push x', at(120))).toBeUndefined();
    expect((await store.listDeliveries({ limit: 1 }))[0]).not.toHaveProperty('identity');
    expect((await store.listDeliveries({ limit: 2 }))[1]).toMatchObject({ id: 'other', identity: 'push y' });
  });
});
