import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageBuildRequest } from '../../src/core/engine.js';
import { FakeEngine } from '../../src/engine/fake.js';
import { createGit } from '../../src/git/cli.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { settleLimited } from '../../src/pipeline/settle-limited.js';
import { SIBLINGS_PER_INSERT } from '../../src/store/queries/add-siblings.js';
import { backendCases, newBuild, useStore } from '../store/backends.js';
import { testConfig } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';

/** A fake engine that counts the image builds in flight at once. */
class CountingEngine extends FakeEngine {
  inFlight = 0;
  maxInFlight = 0;
  override async build(req: ImageBuildRequest): Promise<{ imageId: string }> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.build(req);
    } finally {
      this.inFlight--;
    }
  }
}

const projects = (n: number): string => Array.from({ length: n }, (_, i) => `p${i}: {}`).join('\n');

async function runOn(files: Record<string, string>, configYaml: string, engine: FakeEngine) {
  const { config } = testConfig(configYaml);
  const root = await mkdtemp(join(tmpdir(), 'roger-fanout-'));
  const { dir } = await makeBareRepo(root, 'app', files);
  const lines: string[] = [];
  const planned: number[] = [];
  const result = await runPipeline(
    { engine, git: createGit(), config, pushLock: new KeyedLock() },
    {
      repo: dir,
      options: {},
      workDir: join(config.paths.builds, 'workspaces', 'w'),
      log: createLineLog((l) => lines.push(l)),
      signal: new AbortController().signal,
    },
    { onPlan: async (p) => void planned.push(p.length) },
  );
  return { result, log: lines.join(''), planned };
}

describe('fan-out: a build.yml of many projects', () => {
  it('refuses 1,500 projects before any sibling is planned or built, saying why', async () => {
    const engine = new CountingEngine({ images: ['base:1'] });
    const { result, log, planned } = await runOn({ Dockerfile: 'FROM base:1\n', 'build.yml': projects(1500) }, '', engine);
    expect(result.failure?.badInput).toBe(true);
    expect(result.failure?.message).toBe('checkout: build.yml:51:1 1500 projects; a build.yml may list at most 50 (builds.maxProjects)');
    expect(log).toContain('FAILED: checkout: build.yml:51:1 1500 projects; a build.yml may list at most 50 (builds.maxProjects)');
    expect(planned).toEqual([]);
    expect(engine.calls).toEqual([]);
  });

  it('runs 60 projects at most builds.concurrent (2) at once, and every one of them', async () => {
    const engine = new CountingEngine({ images: ['base:1'], delayMs: 20 });
    const { result, planned } = await runOn(
      { Dockerfile: 'FROM base:1\n', 'build.yml': projects(60) },
      'builds:\n  concurrent: 2\n  maxProjects: 100\n',
      engine,
    );
    expect(result.failure).toBeUndefined();
    expect(planned).toEqual([60]);
    expect(result.results).toHaveLength(60);
    expect(result.results.every((r) => r.outcome === 'passed')).toBe(true);
    expect(engine.callsOf('build')).toHaveLength(60);
    expect(engine.maxInFlight).toBe(2);
  });
});

describe('settleLimited', () => {
  it('keeps the order of its items, settles failures, and treats null as no limit', async () => {
    let running = 0;
    let most = 0;
    const work = async (n: number): Promise<number> => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (n === 3) throw new Error('three');
      return n * 10;
    };
    const items = [1, 2, 3, 4, 5, 6];
    const limited = await settleLimited(items, 3, work);
    expect(most).toBe(3);
    expect(limited.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 'three', 40, 50, 60]);
    most = 0;
    await settleLimited(items, null, work);
    expect(most).toBe(6);
    most = 0;
    await settleLimited(items, 0, work);
    expect(most).toBe(1);
    expect(await settleLimited([], 2, work)).toEqual([]);
  });
});

describe.each(backendCases)('addSiblings in chunks ($name)', (c) => {
  const ctx = useStore(c);

  it('adds 5,000 siblings (more variables than one SQLite statement may bind), in the order asked', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild());
    const names = Array.from({ length: 5000 }, (_, i) => `https://github.com/company/redis__p${i}`);
    expect(names.length).toBeGreaterThan(10 * SIBLINGS_PER_INSERT);
    const siblings = await store.addSiblings(build.id, names);
    expect(siblings.map((s) => s.project)).toEqual(names);
    expect(new Set(siblings.map((s) => s.id)).size).toBe(5000);
    expect(await store.listGroup(build.id)).toHaveLength(5001);
  });
});
