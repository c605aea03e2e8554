import { describe, expect, it } from 'vitest';
import { backendCases, useStore } from './backends.js';

describe.each(backendCases)('listProjects ($name)', (c) => {
  const ctx = useStore(c);

  it('finds projects built long ago even when one project fills the newest builds', async () => {
    const { store } = ctx();
    for (const repo of ['file:///old-a', 'file:///old-b', 'file:///old-c']) {
      await store.createBuild({ repo, branch: 'master', trigger: 'api', options: {} });
    }
    // More builds of one project than the quick path looks through.
    for (let i = 0; i < 2100; i++) await store.createBuild({ repo: 'file:///busy', branch: 'master', trigger: 'api', options: {} });
    const projects = await store.listProjects({ limit: 10 });
    expect(projects.map((p) => p.name)).toEqual(['file:///busy__busy', 'file:///old-c__old-c', 'file:///old-b__old-b', 'file:///old-a__old-a']);
    const two = await store.listProjects({ limit: 2 });
    expect(two.map((p) => p.name)).toEqual(['file:///busy__busy', 'file:///old-c__old-c']);
  });

  it('orders projects by their latest build when the newest builds name enough of them', async () => {
    const { store } = ctx();
    for (const repo of ['file:///a', 'file:///b', 'file:///a', 'file:///c']) {
      await store.createBuild({ repo, branch: 'master', trigger: 'api', options: {} });
    }
    const projects = await store.listProjects({ limit: 2 });
    expect(projects.map((p) => p.name)).toEqual(['file:///c__c', 'file:///a__a']);
    expect((await store.listProjects({ limit: 10 })).map((p) => p.name)).toEqual(['file:///c__c', 'file:///a__a', 'file:///b__b']);
  });
});
