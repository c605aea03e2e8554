import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../src/engine/docker.js';
import { createGit } from '../../src/git/cli.js';
import { gitCacheOf, mirrorPath } from '../../src/git/mirror.js';
import { POOL_DIR, WORTH_KEEPING } from '../../src/git/worktree-pool.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { runPipeline, type PipelineResult } from '../../src/pipeline/run.js';
import type { PipelineDeps } from '../../src/pipeline/types.js';
import { testConfig, uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';

/** Builds through the cache as the server does (config.yml's default: on), with the real engine and registry. */
describe('builds through the git cache', () => {
  const { config } = testConfig();
  let server: GitServer;
  let root: string;
  let deps: PipelineDeps;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-mirror-build-'));
    // Every upload-pack answer waits a little, so two fetches running at once would be seen overlapping.
    server = await startGitServer({ root, delayMs: 300 });
    deps = { engine: createDockerEngine(config.docker.client), git: createGit({ cache: gitCacheOf(config) }), config, pushLock: new KeyedLock() };
  });
  afterAll(async () => {
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const build = async (repo: string, ref: string | undefined): Promise<PipelineResult & { log: string }> => {
    const lines: string[] = [];
    const result = await runPipeline(deps, {
      repo,
      ref,
      options: {},
      workDir: join(config.paths.builds, 'workspaces', uniq()),
      log: createLineLog((l) => lines.push(l)),
      signal: new AbortController().signal,
    });
    return { ...result, log: lines.join('') };
  };

  it('runs two builds of one repository at once: both pass, their fetches never overlap', async () => {
    const name = `mirror-${uniq()}`;
    const { dir } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\nCOPY which.txt /which.txt\nCMD ["cat", "/which.txt"]\n`,
      'which.txt': 'master\n',
      'build.yml': `${name}:\n  registry: 127.0.0.1:5000\n`,
    });
    const dev = await commitFiles(dir, { 'which.txt': 'dev\n' }, { branch: 'dev' });
    // master moves on too: neither branch holds the other's head. Every fetch also takes the remote's
    // HEAD (master), so when dev's goes first, master's finds nothing left to fetch.
    await commitFiles(dir, { 'master.txt': 'ahead of dev\n' });
    const repo = `${server.url}/${name}.git`;
    const mark = server.requests.length;

    const [a, b] = await Promise.all([build(repo, 'master'), build(repo, 'dev')]);
    expect(a.failure, a.log).toBeUndefined();
    expect(b.failure, b.log).toBeUndefined();
    expect(a.results[0]?.outcome, a.log).toBe('passed');
    expect(b.results[0]?.outcome, b.log).toBe('passed');
    expect(b.commit?.sha).toBe(dev.sha);
    // master is the default branch: `latest`.
    expect(a.results[0]?.image).toBe(`127.0.0.1:5000/${name}:latest`);
    expect(b.results[0]?.image).toBe(`127.0.0.1:5000/${name}:dev`);
    expect(await inRegistry(name, 'latest')).toBe(true);
    expect(await inRegistry(name, 'dev')).toBe(true);

    // Each build's git requests (its ref listing, then its fetch when it needs one) all end before the
    // other build's first one starts: one fetch at a time under the mirror's lock.
    const both = server.requests
      .slice(mark)
      .filter((r) => r.command === 'ls-refs' || r.command === 'fetch')
      .sort((x, y) => x.startedAt - y.startedAt);
    const shown = JSON.stringify(server.requests.slice(mark).map(({ method, path, command }) => ({ method, path, command })));
    const listings = both.filter((r) => r.command === 'ls-refs');
    expect(listings, shown).toHaveLength(2);
    expect(both.filter((r) => r.command === 'fetch').length, shown).toBeGreaterThanOrEqual(1);
    const secondStarts = listings[1]!.startedAt;
    for (const r of both.filter((x) => x.startedAt < secondStarts)) expect(r.endedAt, shown).toBeLessThanOrEqual(secondStarts);

    // One mirror, holding both branches; the builds' worktrees are kept inside it (their workspaces are gone).
    const cacheDir = join(config.paths.builds, 'git-cache');
    const mirror = mirrorPath(cacheDir, repo);
    expect((await readdir(cacheDir)).filter((f) => !f.endsWith('.lock'))).toEqual([mirror.split('/').pop()]);
    expect(JSON.parse(await readFile(join(mirror, 'roger-mirror.json'), 'utf8'))).toMatchObject({ url: repo });

    // The next build of a new commit fetches only that commit into the same mirror and passes.
    const next = await commitFiles(dir, { 'which.txt': 'master again\n' });
    const again = server.requests.length;
    const c = await build(repo, 'master');
    expect(c.results[0]?.outcome, c.log).toBe('passed');
    expect(c.commit?.sha).toBe(next.sha);
    const sent = server.requests.slice(again).filter((r) => r.command === 'fetch');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.responseBytes).toBeLessThan(2_000);
    // The fetch's own ref listing says where HEAD points: no ls-remote of the default branch beside it.
    expect(server.requests.slice(again).filter((r) => r.command === 'ls-refs')).toHaveLength(1);

    // A request without a branch builds the default branch, named, from one fetch too.
    const head = server.requests.length;
    const d = await build(repo, undefined);
    expect(d.results[0]?.outcome, d.log).toBe('passed');
    expect(d.ref).toBe('master');
    expect(d.commit?.sha).toBe(next.sha);
    expect(d.results[0]?.image).toBe(`127.0.0.1:5000/${name}:latest`);
    expect(server.requests.slice(head).filter((r) => r.command === 'ls-refs')).toHaveLength(1);
  });

  it('builds the next commit in the last build\'s kept worktree, with nothing of that build left in it', async () => {
    const name = `kept-${uniq()}`;
    const { dir } = await makeBareRepo(root, name, {
      // Enough files for the worktree to be worth keeping.
      ...Object.fromEntries(Array.from({ length: WORTH_KEEPING.files }, (_, i) => [`bulk/${i}.txt`, `${i}\n`])),
      Dockerfile: `FROM ${BASE}\nCOPY . /app\n`,
      'which.txt': 'first\n',
      'build.yml': `${name}:\n  registry: 127.0.0.1:5000\n  revfile: meta\n  after-build:\n    - test -f /app/meta/rev.txt\n`,
    });
    const repo = `${server.url}/${name}.git`;
    const first = await build(repo, 'master');
    expect(first.results[0]?.outcome, first.log).toBe('passed');
    const pool = join(mirrorPath(join(config.paths.builds, 'git-cache'), repo), POOL_DIR);
    const kept = await readdir(pool);
    expect(kept).toHaveLength(1);

    // build.yml asks for no rev.txt any more: the one the first build wrote must not reach the image.
    const next = await commitFiles(dir, {
      'which.txt': 'second\n',
      'build.yml': `${name}:\n  registry: 127.0.0.1:5000\n  after-build:\n    - test ! -e /app/meta\n    - grep -qx second /app/which.txt\n`,
    });
    const second = await build(repo, 'master');
    expect(second.results[0]?.outcome, second.log).toBe('passed');
    expect(second.commit?.sha).toBe(next.sha);
    expect(second.log).not.toMatch(/cannot be used|damaged/);
    // The same worktree, back in the pool.
    expect(await readdir(pool)).toEqual(kept);
  });
});
