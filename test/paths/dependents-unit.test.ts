import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { defaultProject } from '../../src/buildfile/interpret.js';
import { normalizeRef } from '../../src/engine/ref.js';
import { openStore } from '../../src/store/open.js';
import { dependentsListener, MAX_CHAIN, queueDependents, type DependentsDeps } from '../../src/trigger/dependents.js';

describe('queueing dependents (real SQLite store)', () => {
  let store: Store;
  let deps: DependentsDeps;
  const warnings: string[] = [];

  beforeEach(async () => {
    store = await openStore(':memory:', { dataDir: '/nonexistent' });
    warnings.length = 0;
    deps = { store, allowedSchemes: ['http', 'https'], cancelSuperseded: false, wake: () => undefined, abort: () => false, touch: () => undefined, log: { info: () => undefined, warn: (m: string) => void warnings.push(m) } as DependentsDeps['log'] };
  });
  afterEach(() => store.close());

  /** A passed build of `repo`'s project `name` that pushed `images`. */
  async function passed(repo: string, name: string, images: string[], options = {}): Promise<BuildRecord> {
    const { build } = await store.createBuild({ repo, branch: 'master', trigger: 'api', options });
    return store.updateBuild(build.id, { project: `${repo}__${name}`, status: 'passed', tag: images[0] ?? null, ...(images.length > 1 && { tags: images }) });
  }
  const uses = (repo: string, name: string, images: string[], branch = 'master') =>
    store.recordBaseImages({ project: `${repo}__${name}`, repo, branch, images: images.map((i) => normalizeRef(i)!) });

  it('normalizes references as Docker reads them', () => {
    expect(normalizeRef('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeRef('docker.io/library/busybox:1')).toBe('docker.io/library/busybox:1');
    expect(normalizeRef('index.docker.io/org/app')).toBe('docker.io/org/app:latest');
    expect(normalizeRef('127.0.0.1:5000/a')).toBe('127.0.0.1:5000/a:latest');
    expect(normalizeRef('127.0.0.1:5000/a:master')).toBe('127.0.0.1:5000/a:master');
    expect(normalizeRef('127.0.0.1:5000/a@sha256:' + '0'.repeat(64))).toBeUndefined();
  });

  it('queues each dependent repository once per cause, on its recorded branch, with the cause and chain', async () => {
    await uses('http://g/b.git', 'b1', ['reg:5000/a:latest']);
    await uses('http://g/b.git', 'b2', ['reg:5000/a:v2']);
    await uses('http://g/c.git', 'c', ['reg:5000/a'], 'main');
    await uses('http://g/d.git', 'd', ['reg:5000/a:other']);
    const a = await passed('http://g/a.git', 'a', ['reg:5000/a:latest', 'reg:5000/a:v2']);
    const queued = await queueDependents(deps, a);
    expect(queued.map((b) => [b.repo, b.branch, b.trigger]).sort()).toEqual([
      ['http://g/b.git', 'master', 'dependency'],
      ['http://g/c.git', 'main', 'dependency'],
    ]);
    for (const b of queued) expect(b.options.dependency).toEqual({ cause: a.id, chain: ['http://g/a.git__a'] });
  });

  it('never rebuilds a repository already in the chain: a FROM cycle ends', async () => {
    await uses('http://g/d.git', 'd', ['reg/e:latest']);
    await uses('http://g/e.git', 'e', ['reg/d:latest']);
    const e = await passed('http://g/e.git', 'e', ['reg/e:latest']);
    const [d] = await queueDependents(deps, e);
    expect(d?.repo).toBe('http://g/d.git');
    const dDone = await passed('http://g/d.git', 'd', ['reg/d:latest'], d!.options);
    expect(await queueDependents(deps, dDone)).toEqual([]);
    // A project's own repository is never rebuilt by its push either.
    await uses('http://g/e.git', 'e2', ['reg/e:latest']);
    expect(await queueDependents(deps, await passed('http://g/e.git', 'e', ['reg/e:latest']))).toHaveLength(1);
  });

  it('stops a chain at its cap, with a warning', async () => {
    await uses('http://g/z.git', 'z', ['reg/y:latest']);
    const chain = Array.from({ length: MAX_CHAIN - 1 }, (_, i) => `http://g/p${i}.git__p${i}`);
    const y = await passed('http://g/y.git', 'y', ['reg/y:latest'], { dependency: { cause: 'x', chain } });
    expect(await queueDependents(deps, y)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/chain of rebuilds is already 10 long/);
  });

  it('rebuildDependents: false, a failed build or a build that pushed nothing queues nothing', async () => {
    await uses('http://g/b.git', 'b', ['reg/a:latest']);
    const listener = dependentsListener(deps);
    const a = await passed('http://g/a.git', 'a', ['reg/a:latest']);
    await listener.finished?.({ build: a, project: { ...defaultProject('a'), rebuildDependents: false } });
    await listener.finished?.({ build: { ...a, status: 'failed' }, project: defaultProject('a') });
    await listener.finished?.({ build: { ...a, tag: null }, project: defaultProject('a') });
    expect((await store.listBuilds({ limit: 50 })).filter((b) => b.trigger === 'dependency')).toEqual([]);
    await listener.finished?.({ build: a, project: defaultProject('a') });
    expect((await store.listBuilds({ limit: 50 })).filter((b) => b.trigger === 'dependency')).toHaveLength(1);
  });

  it('a dependent that cannot be queued does not keep the others', async () => {
    await uses('ftp://g/old.git', 'old', ['reg/a:latest']);
    await uses('http://g/ok.git', 'ok', ['reg/a:latest']);
    const queued = await queueDependents(deps, await passed('http://g/a.git', 'a', ['reg/a:latest']));
    expect(queued.map((b) => b.repo)).toEqual(['http://g/ok.git']);
    expect(warnings.join('\n')).toContain('cannot queue the dependent ftp://g/old.git__old');
  });
});
