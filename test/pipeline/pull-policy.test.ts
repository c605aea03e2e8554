import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/core/engine.js';
import { createDockerEngine } from '../../src/engine/docker.js';
import { createGit } from '../../src/git/cli.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { BaseImageChecks } from '../../src/pipeline/pull.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { buildFrom, deleteFromRegistry, memoryLog } from '../engine/helpers.js';

/**
 * builds.pullInterval against the real engine and registry: a base image pushed anew under the same
 * tag is noticed only once the interval has passed. The checks' clock is the test's, so "after the
 * interval" needs no waiting.
 */
describe('base image pull policy', () => {
  const { config } = testConfig();
  const real = createDockerEngine(config.docker.client);
  const id = uniq();
  const base = `127.0.0.1:5000/roger-test-pull-${id}:latest`;
  const project = `pullpolicy${id}`;
  const cleanup: string[] = [];
  const pushed: { ref: string; digest: string | undefined }[] = [];
  let registryChecks = 0;
  // The real engine, counting the registry's digest requests.
  const engine: Engine = {
    ...real,
    registryDigest: async (ref, auth, signal) => {
      registryChecks++;
      return real.registryDigest(ref, auth, signal);
    },
  };
  const clock = { ms: 1_000_000 };
  const checks = new BaseImageChecks(engine, { intervalSeconds: 300, now: () => clock.ms });
  let root: string;

  async function publishBase(version: string): Promise<string> {
    const { imageId } = await buildFrom(real, `FROM ${BASE}\nRUN echo version-${version} > /version\n`, [base]);
    cleanup.push(imageId);
    const { digest } = await real.push(base, undefined, memoryLog());
    pushed.push({ ref: base, digest });
    return imageId;
  }

  // One lock for every build, as a server's runner has: two builds never push one tag at once.
  const pushLock = new KeyedLock();

  async function build(repo: string): Promise<{ log: string; passed: boolean }> {
    const lines: string[] = [];
    const result = await runPipeline(
      { engine, git: createGit(), config, pushLock, baseImages: checks },
      {
        repo,
        options: {},
        workDir: join(config.paths.builds, 'workspaces', uniq()),
        log: createLineLog((l) => lines.push(l)),
        signal: new AbortController().signal,
      },
    );
    return { log: lines.join(''), passed: result.failure === undefined && result.results.every((r) => r.outcome === 'passed') };
  }

  async function repoFrom(image: string, name: string): Promise<string> {
    const { dir } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${image}\n`,
      'build.yml': `${name}:\n  after-build: ["cat /version 2>/dev/null || echo no-version-file"]\n`,
    });
    cleanup.push(`127.0.0.1:5000/${name}:latest`);
    return dir;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-pull-'));
  });

  afterAll(async () => {
    for (const ref of [base, ...cleanup]) await real.removeImage(ref).catch(() => undefined);
    for (const p of pushed) await deleteFromRegistry(p.ref, p.digest);
  });

  it('uses the local image within the interval and the new one after it; pulls a missing image', async () => {
    const v1 = await publishBase('1');
    const repo = await repoFrom(base, project);

    const first = await build(repo);
    expect(first.passed, first.log).toBe(true);
    expect(first.log).toContain(`Base image ${base}: up to date (sha256:`);
    expect(first.log).toContain('version-1');
    expect(registryChecks).toBe(1);

    // The registry gets version 2 under the same tag; this engine still has version 1 under it.
    await publishBase('2');
    await real.tag(v1, base);

    clock.ms += 100_000;
    const within = await build(repo);
    expect(within.passed, within.log).toBe(true);
    expect(within.log).toContain(`Base image ${base}: checked 100s ago`);
    expect(within.log).toContain('version-1');
    expect(within.log).not.toContain('version-2');
    expect(registryChecks).toBe(1);

    clock.ms += 201_000;
    const after = await build(repo);
    expect(after.passed, after.log).toBe(true);
    expect(after.log).toMatch(new RegExp(`Base image ${base.replace(/[.]/g, '\\.')}: the registry has sha256:[0-9a-f]{64}; pulled`));
    expect(after.log).toContain('version-2');
    expect(registryChecks).toBe(2);

    await real.removeImage(base);
    clock.ms += 301_000;
    const missing = await build(repo);
    expect(missing.passed, missing.log).toBe(true);
    expect(missing.log).toContain(`Base image ${base}: not present; pulled`);
    expect(missing.log).toContain('version-2');
    expect(await real.imageExists(base)).toBe(true);
  });

  it('concurrent builds share one registry check', async () => {
    const before = registryChecks;
    clock.ms += 301_000;
    const repo = await repoFrom(base, `${project}b`);
    const [a, b] = await Promise.all([build(repo), build(repo)]);
    expect(a.passed, a.log).toBe(true);
    expect(b.passed, b.log).toBe(true);
    expect(registryChecks - before).toBe(1);
  });

  it('with the registry unreachable, builds from the local image and says why', async () => {
    // A port nothing listens on: taken, then released.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const address = s.address();
        s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const offline = `127.0.0.1:${port}/roger-test-pull-${id}:latest`;
    cleanup.push(offline);
    await real.tag(BASE, offline);
    const repo = await repoFrom(offline, `${project}c`);
    const result = await build(repo);
    expect(result.passed, result.log).toBe(true);
    expect(result.log).toContain(`Base image ${offline}: could not ask the registry (`);
    expect(result.log).toContain(`127.0.0.1:${port}`);
    expect(result.log).toContain('no-version-file');
  });
});
