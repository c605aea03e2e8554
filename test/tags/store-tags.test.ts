import { describe, expect, it } from 'vitest';
import { renderBuild } from '../../src/http/render.js';
import { backendCases, newBuild, useStore } from '../store/backends.js';

describe.each(backendCases)('a build\'s tags and branch in the store ($name)', (c) => {
  const ctx = useStore(c);

  it('keeps the pushed tags in order and the branch the checkout resolved', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild('https://git.example.test/o/app.git', ''));
    expect(build.tags).toBeUndefined();
    expect(renderBuild(build).tags).toEqual([]);
    const tags = ['r/app:latest', 'r/app:1', 'r/app:1.2'];
    const updated = await store.updateBuild(build.id, { branch: 'main', tag: tags[0], tags });
    expect(updated).toMatchObject({ branch: 'main', tag: 'r/app:latest', tags });
    expect(await store.getBuild(build.id)).toMatchObject({ branch: 'main', tags });
    expect(renderBuild(updated).tags).toEqual(tags);
  });

  it('a build without extra tags lists its one tag', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild('https://git.example.test/o/one.git', 'dev'));
    const updated = await store.updateBuild(build.id, { tag: 'r/one:dev' });
    expect(renderBuild(updated).tags).toEqual(['r/one:dev']);
  });
});
