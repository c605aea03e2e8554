import { describe, expect, it } from 'vitest';
import type { NotificationAttempt } from '../../src/core/notifier.js';
import { backendCases, useStore } from './backends.js';

describe.each(backendCases)('notification attempts ($name)', (c) => {
  const ctx = useStore(c);

  it('records attempts per build, lists them oldest first, and retention deletes them with the build', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild({ repo: 'https://github.com/octo/app', branch: 'master', trigger: 'api', options: {} });
    const { build: other } = await store.createBuild({ repo: 'https://github.com/octo/other', branch: 'master', trigger: 'api', options: {} });
    const at = new Date().toISOString();
    const a1: NotificationAttempt = { buildId: build.id, notifier: 'slack', event: 'finished', attempt: 1, ok: false, detail: 'HTTP 500', at };
    const a2: NotificationAttempt = { ...a1, attempt: 2, ok: true, detail: 'posted to Slack' };
    await store.recordNotification(a1);
    await store.recordNotification({ ...a1, buildId: other.id, notifier: 'webhook' });
    await store.recordNotification(a2);
    expect(await store.listNotifications(build.id)).toEqual([a1, a2]);
    await store.updateBuild(build.id, { status: 'passed', finishedAt: at });
    expect(await store.deleteFinishedBefore(new Date(Date.now() + 60_000))).toBe(1);
    expect(await store.listNotifications(build.id)).toEqual([]);
    expect(await store.listNotifications(other.id)).toHaveLength(1);
  });
});
