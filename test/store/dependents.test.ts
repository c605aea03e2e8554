import { describe, expect, it } from 'vitest';
import { backendCases, useStore } from './backends.js';

describe.each(backendCases)('last passed commit and base images ($name)', (c) => {
  const ctx = useStore(c);

  it('finds the newest passed build of a project and branch, past failed and skipped ones', async () => {
    const { store } = ctx();
    const make = async (branch: string, commit: string, status: 'passed' | 'failed' | 'skipped') => {
      const { build } = await store.createBuild({ repo: 'file:///mono', branch, trigger: 'webhook', options: {} });
      await store.updateBuild(build.id, { project: 'file:///mono__api', commit, status });
    };
    expect(await store.lastPassedCommit('file:///mono__api', 'master')).toBeUndefined();
    await make('master', 'a'.repeat(40), 'passed');
    await make('master', 'b'.repeat(40), 'passed');
    await make('master', 'c'.repeat(40), 'failed');
    await make('master', 'd'.repeat(40), 'skipped');
    await make('dev', 'e'.repeat(40), 'passed');
    expect(await store.lastPassedCommit('file:///mono__api', 'master')).toBe('b'.repeat(40));
    expect(await store.lastPassedCommit('file:///mono__api', 'dev')).toBe('e'.repeat(40));
    expect(await store.lastPassedCommit('file:///mono__web', 'master')).toBeUndefined();
  });

  it('replaces a project\'s base images and finds dependents by any of several images', async () => {
    const { store } = ctx();
    await store.recordBaseImages({ project: 'r/b__b', repo: 'r/b', branch: 'master', images: ['reg/a:latest', 'docker.io/library/busybox:latest', 'reg/a:latest'] });
    await store.recordBaseImages({ project: 'r/c__c', repo: 'r/c', branch: 'main', images: ['reg/a:latest'] });
    expect(await store.dependentsOf(['reg/a:latest'])).toEqual([
      { project: 'r/b__b', repo: 'r/b', branch: 'master' },
      { project: 'r/c__c', repo: 'r/c', branch: 'main' },
    ]);
    await store.recordBaseImages({ project: 'r/b__b', repo: 'r/b', branch: 'master', images: ['reg/x:1'] });
    expect(await store.dependentsOf(['reg/a:latest', 'reg/a:other'])).toEqual([{ project: 'r/c__c', repo: 'r/c', branch: 'main' }]);
    expect(await store.dependentsOf(['reg/x:1', 'reg/a:latest'])).toHaveLength(2);
    expect(await store.dependentsOf([])).toEqual([]);
    // Many images at once: one statement, far below any bound-variable limit.
    const many = Array.from({ length: 300 }, (_, i) => `reg/img${i}:latest`);
    await store.recordBaseImages({ project: 'r/d__d', repo: 'r/d', branch: 'master', images: many });
    expect(await store.dependentsOf(['reg/img299:latest'])).toEqual([{ project: 'r/d__d', repo: 'r/d', branch: 'master' }]);
  });
});
