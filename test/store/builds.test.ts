import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { backendCases, newBuild, useStore } from './backends.js';

describe.each(backendCases)('builds ($name)', (c) => {
  const ctx = useStore(c);

  it('creates a queued build named after the repository, and reads it back', async () => {
    const { store } = ctx();
    const { build, created } = await store.createBuild({
      ...newBuild('https://github.com/company/redis.git', 'feature/x'),
      trigger: 'webhook',
      options: { nocache: true, buildargs: { A: '1' } },
    });
    expect(created).toBe(true);
    expect(build).toMatchObject({
      groupId: build.id,
      project: 'https://github.com/company/redis.git__redis',
      repo: 'https://github.com/company/redis.git',
      branch: 'feature/x',
      status: 'queued',
      trigger: 'webhook',
      options: { nocache: true, buildargs: { A: '1' } },
      commit: null,
      tag: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    });
    expect(build.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new Date(build.createdAt).toISOString()).toBe(build.createdAt);
    expect(await store.getBuild(build.id)).toEqual(build);
    expect(await store.getBuild('nope')).toBeUndefined();
  });

  it('lists builds newest first, even when they share a timestamp, and filters by status', async () => {
    const { store } = ctx();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.createBuild(newBuild(`https://h/o/r${i}`))).build.id);
    await store.updateBuild(ids[1]!, { status: 'passed' });
    expect((await store.listBuilds({ limit: 10 })).map((b) => b.id)).toEqual([...ids].reverse());
    expect((await store.listBuilds({ limit: 2 })).map((b) => b.id)).toEqual([ids[4], ids[3]]);
    expect((await store.listBuilds({ limit: 10, status: 'passed' })).map((b) => b.id)).toEqual([ids[1]]);
    expect(await store.listBuilds({ limit: 0 })).toEqual([]);
  });

  it('returns the queued build of the same commit instead of queueing a duplicate', async () => {
    const { store } = ctx();
    const first = await store.createBuild(newBuild('https://h/o/r', 'master', 'abc'));
    const again = await store.createBuild(newBuild('https://h/o/r', 'master', 'abc'));
    expect(again).toEqual({ build: first.build, created: false });
    // Another branch, another commit, or no commit at all: new builds.
    expect((await store.createBuild(newBuild('https://h/o/r', 'dev', 'abc'))).created).toBe(true);
    expect((await store.createBuild(newBuild('https://h/o/r', 'master', 'def'))).created).toBe(true);
    expect((await store.createBuild(newBuild('https://h/o/r', 'master'))).created).toBe(true);
    expect((await store.createBuild(newBuild('https://h/o/r', 'master'))).created).toBe(true);
    // Once the first has started, the same commit may be queued again.
    await store.updateBuild(first.build.id, { status: 'started' });
    expect((await store.createBuild(newBuild('https://h/o/r', 'master', 'abc'))).created).toBe(true);
  });

  it('dedupes concurrent deliveries of the same commit', async () => {
    const { store } = ctx();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.createBuild(newBuild('https://h/o/r', 'master', 'abc'))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.build.id)).size).toBe(1);
  });

  it('updates only the fields a patch names, and refuses an unknown build', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild());
    const started = await store.updateBuild(build.id, { status: 'started', startedAt: '2024-01-01T00:00:00.000Z' });
    expect(started).toMatchObject({ status: 'started', startedAt: '2024-01-01T00:00:00.000Z', tag: null });
    expect(started.updatedAt >= build.updatedAt).toBe(true);
    const done = await store.updateBuild(build.id, {
      status: 'passed',
      tag: 'registry/redis:latest',
      commit: 'abc',
      author: 'Ann',
      digest: 'sha256:1',
      finishedAt: '2024-01-01T00:01:00.000Z',
      durationMs: 60_000,
      project: 'https://github.com/company/redis__redis-server',
    });
    expect(done).toMatchObject({
      status: 'passed',
      startedAt: '2024-01-01T00:00:00.000Z',
      tag: 'registry/redis:latest',
      commit: 'abc',
      author: 'Ann',
      digest: 'sha256:1',
      durationMs: 60_000,
      project: 'https://github.com/company/redis__redis-server',
    });
    expect(await store.getBuild(build.id)).toEqual(done);
    // build.yml's notify: list, absent until a checkout records it; an empty list stays a list.
    expect(done.notify).toBeUndefined();
    expect((await store.updateBuild(build.id, { notify: ['slack', 'github'] })).notify).toEqual(['slack', 'github']);
    expect((await store.getBuild(build.id))?.notify).toEqual(['slack', 'github']);
    expect((await store.updateBuild(build.id, { notify: [] })).notify).toEqual([]);
    expect((await store.updateBuild(build.id, { error: 'x' })).error).toBe('x');
    expect((await store.updateBuild(build.id, { error: null })).error).toBeNull();
    const missing = await store.updateBuild('nope', { status: 'failed' }).catch((e: unknown) => e);
    expect(isRogerError(missing, 'not-found')).toBe(true);
  });

  it('adds started siblings to a group and lists the group in order', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild({ ...newBuild(), commit: 'abc', options: { pull: true } });
    await store.updateBuild(build.id, { author: 'Ann', project: 'https://github.com/company/redis__a' });
    await store.createBuild(newBuild('https://h/o/other'));
    const siblings = await store.addSiblings(build.id, [
      'https://github.com/company/redis__b',
      'https://github.com/company/redis__c',
    ]);
    expect(siblings.map((s) => s.project)).toEqual([
      'https://github.com/company/redis__b',
      'https://github.com/company/redis__c',
    ]);
    for (const s of siblings) {
      expect(s).toMatchObject({
        groupId: build.id,
        status: 'started',
        repo: build.repo,
        branch: build.branch,
        commit: 'abc',
        author: 'Ann',
        options: { pull: true },
      });
      expect(s.startedAt).not.toBeNull();
      expect(s.id).not.toBe(build.id);
    }
    const group = await store.listGroup(build.id);
    expect(group.map((b) => b.id)).toEqual([build.id, ...siblings.map((s) => s.id)]);
    expect(await store.addSiblings(build.id, [])).toEqual([]);
    const missing = await store.addSiblings('nope', ['x']).catch((e: unknown) => e);
    expect(isRogerError(missing, 'not-found')).toBe(true);
  });

  it('lists projects with their latest build, most recent first', async () => {
    const { store } = ctx();
    const a1 = await store.createBuild(newBuild('https://github.com/company/a'));
    const b1 = await store.createBuild(newBuild('https://github.com/company/b'));
    const a2 = await store.createBuild(newBuild('https://github.com/company/a'));
    const [server] = await store.addSiblings(b1.build.id, ['https://github.com/company/b__b-server']);
    const projects = await store.listProjects({ limit: 10 });
    expect(projects.map((p) => [p.name, p.alias, p.latestBuild.id])).toEqual([
      ['https://github.com/company/b__b-server', 'b-server (company/b)', server!.id],
      ['https://github.com/company/a__a', 'a (company/a)', a2.build.id],
      ['https://github.com/company/b__b', 'b (company/b)', b1.build.id],
    ]);
    expect(projects.some((p) => p.latestBuild.id === a1.build.id)).toBe(false);
    expect(await store.listProjects({ limit: 1 })).toHaveLength(1);
  });

  it('counts builds by status, naming every status', async () => {
    const { store } = ctx();
    expect(await store.countByStatus()).toEqual({ queued: 0, started: 0, passed: 0, failed: 0, canceled: 0, skipped: 0 });
    for (let i = 0; i < 3; i++) await store.createBuild(newBuild());
    const { build } = await store.createBuild(newBuild());
    await store.updateBuild(build.id, { status: 'canceled' });
    const { build: other } = await store.createBuild(newBuild());
    await store.updateBuild(other.id, { status: 'skipped', error: 'branch "x" does not match settings.matching' });
    expect(await store.countByStatus()).toEqual({ queued: 3, started: 0, passed: 0, failed: 0, canceled: 1, skipped: 1 });
    expect((await store.listBuilds({ limit: 10, status: 'skipped' })).map((b) => b.id)).toEqual([other.id]);
  });

  it('answers a ping', async () => {
    await expect(ctx().store.ping()).resolves.toBeUndefined();
  });
});
