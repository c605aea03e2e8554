import { describe, expect, it } from 'vitest';
import type { BuildStatus } from '../../src/core/build.js';
import { backendCases, newBuild, useStore } from '../store/backends.js';

describe.each(backendCases)('store.latestBuild on $name', (c) => {
  const opened = useStore(c);

  async function add(project: string, branch: string, status: BuildStatus): Promise<string> {
    const { store } = opened();
    const { build } = await store.createBuild(newBuild('https://git.example.test/team/app', branch));
    await store.updateBuild(build.id, { project, status });
    return build.id;
  }

  it('finds the newest queued, started, passed or failed build of exactly that project and branch', async () => {
    const { store } = opened();
    const passed = await add('app__one', 'main', 'passed');
    await add('app__one', 'main', 'skipped');
    await add('app__one', 'main', 'canceled');
    const other = await add('app__two', 'main', 'failed');
    const dev = await add('app__one', 'dev', 'started');
    expect((await store.latestBuild('app__one', 'main'))?.id).toBe(passed);
    expect((await store.latestBuild('app__one', 'dev'))?.id).toBe(dev);
    expect((await store.latestBuild('app__one'))?.id).toBe(dev);
    expect((await store.latestBuild('app__two', 'main'))?.id).toBe(other);
    expect(await store.latestBuild('app__one', 'nope')).toBeUndefined();
    expect(await store.latestBuild('app__%', 'main')).toBeUndefined();
    expect(await store.latestBuild("app__one' OR '1'='1", 'main')).toBeUndefined();
  });
});
