import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/core/config.js';
import { createDockerEngine } from '../../src/engine/docker.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { createServer, type RunningServer } from '../../src/main/server.js';
import { testConfig, uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, waitFor } from '../helpers/server.js';
import { ensureBuilt, openBrowser } from '../web/browser.js';

const REGISTRY = '127.0.0.1:5000';
const FINAL = ['passed', 'failed', 'canceled', 'skipped'];

interface Build {
  id: string;
  name: string;
  repo: string;
  status: string;
  error: string | null;
  trigger: string;
  caused_by: string | null;
  options: { dependency?: { cause: string; chain: string[] } };
}

/**
 * Rebuilding dependents through the whole server (SQLite, real engine and registry, smart-HTTP git):
 * a chain A -> B -> C, a dependent whose repository is gone, and a FROM cycle between two projects.
 */
describe('rebuild dependents, end to end', () => {
  const u = uniq();
  const names = { a: `dep-a-${u}`, b: `dep-b-${u}`, c: `dep-c-${u}`, gone: `dep-gone-${u}`, d: `dep-d-${u}`, e: `dep-e-${u}` };
  let root: string;
  let git: GitServer;
  let config: Config;
  let server: RunningServer;
  let url: string;
  const repos: Record<string, { dir: string; url: string }> = {};
  /** The chain's B build and the A build that caused it, for the build page. */
  const linked = { b: '', cause: '' };

  beforeAll(async () => {
    await ensureBuilt();
    root = await mkdtemp(join(tmpdir(), 'roger-deps-'));
    git = await startGitServer({ root });
    config = testConfig(`builds:\n  allowedSchemes: [http]\n  concurrent: 3\napp:\n  port: 0\n`).config;
    server = await createServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${(await server.listen()).port}`;
    const repo = async (key: keyof typeof names, dockerfile: string, extra: Record<string, string> = {}) => {
      const { dir } = await makeBareRepo(root, names[key], { Dockerfile: dockerfile, ...extra });
      repos[key] = { dir, url: `${git.url}/${names[key]}.git` };
    };
    await repo('a', `FROM ${BASE}\nCOPY Dockerfile /a\n`);
    // ARG defaults and a stage name: the FROM that counts is the substituted image, not `base`.
    await repo('b', `ARG REG=${REGISTRY}\nARG NAME=${names.a}\nFROM \${REG}/\${NAME}:latest AS base\nFROM base\nCOPY Dockerfile /b\n`);
    // No tag: `latest`.
    await repo('c', `FROM ${REGISTRY}/${names.b}\nCOPY Dockerfile /c\n`);
    await repo('gone', `FROM ${REGISTRY}/${names.a}:latest\nCOPY Dockerfile /gone\n`);
    await repo('d', `FROM ${REGISTRY}/${names.e}:latest\nCOPY Dockerfile /d\n`);
    await repo('e', `FROM ${REGISTRY}/${names.d}:latest\nCOPY Dockerfile /e\n`);
  });
  afterAll(async () => {
    await server?.close(5_000);
    await git?.close();
    await rm(root, { recursive: true, force: true });
  });

  const all = async () => (await getJson<{ builds: Build[] }>(`${url}/api/builds?limit=200`)).body.builds;
  const finished = (id: string) =>
    waitFor(async () => {
      const { body } = await getJson<{ build: Build }>(`${url}/api/builds/${id}`);
      return FINAL.includes(body.build.status) && body.build;
    }, 120_000, `build ${id} to finish`);
  async function request(key: keyof typeof names): Promise<Build> {
    const res = await getJson<{ id: string }>(`${url}/api/build?repo=${encodeURIComponent(repos[key]!.url)}`, { method: 'POST' });
    expect(res.status).toBe(202);
    return finished(res.body.id);
  }
  /** The dependency builds of `key`'s repository once `count` of them finished. */
  const dependencyBuilds = (key: keyof typeof names, count: number) =>
    waitFor(async () => {
      const found = (await all()).filter((b) => b.repo === repos[key]!.url && b.trigger === 'dependency');
      return found.length >= count && found.every((b) => FINAL.includes(b.status)) && found;
    }, 180_000, `${count} dependency build(s) of ${key}`);

  it('A -> B -> C: each push queues the next default-branch build, linked to its cause; a gone dependent fails alone', async () => {
    for (const key of ['a', 'b', 'c', 'gone'] as const) expect((await request(key)).status, key).toBe('passed');
    // Nothing was rebuilt yet: B's and C's FROM images were recorded after A and B were pushed.
    expect((await all()).filter((b) => b.trigger === 'dependency')).toEqual([]);
    await rm(repos.gone!.dir, { recursive: true, force: true });

    await commitFiles(repos.a!.dir, { 'v2.txt': 'two\n' });
    const a2 = await request('a');
    expect(a2.status).toBe('passed');
    const [b] = await dependencyBuilds('b', 1);
    expect(b).toMatchObject({ status: 'passed', caused_by: a2.id, options: { dependency: { cause: a2.id, chain: [`${repos.a!.url}__${names.a}`] } } });
    Object.assign(linked, { b: b!.id, cause: a2.id });
    const [gone] = await dependencyBuilds('gone', 1);
    expect(gone?.status).toBe('failed');
    expect(gone?.error).toMatch(/repository|not found|404/i);
    const [c] = await dependencyBuilds('c', 1);
    expect(c).toMatchObject({ status: 'passed', caused_by: b!.id });
    expect(c!.options.dependency!.chain).toEqual([`${repos.a!.url}__${names.a}`, `${repos.b!.url}__${names.b}`]);
    // Each once: C pushed nothing anyone uses, and nothing rebuilt A.
    const deps = (await all()).filter((x) => x.trigger === 'dependency');
    expect(deps.map((x) => x.name).sort()).toEqual([names.b, names.c, names.gone].sort());
  }, 400_000);

  it('the build page links a dependency build to the build that caused it', async () => {
    expect(linked.b).not.toBe('');
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${url}/builds/${linked.b}`);
      const link = page.getByTestId('caused-by');
      await link.waitFor({ timeout: 30_000 });
      expect(await link.textContent()).toBe(`build ${linked.cause}`);
      await link.click();
      await page.waitForURL(new RegExp(`/builds/${linked.cause}$`), { timeout: 30_000 });
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('a FROM cycle between two projects builds each of them once', async () => {
    // Seed E's image so D can be built the first time.
    const engine = createDockerEngine(config.docker.client);
    const log = createLineLog(() => undefined);
    await engine.pull(BASE, undefined, log);
    await engine.tag(BASE, `${REGISTRY}/${names.e}:latest`);
    await engine.push(`${REGISTRY}/${names.e}:latest`, undefined, log);
    expect((await request('d')).status).toBe('passed');
    // E's push: D uses it (rebuilt once, chain [E]); D's push: E uses it, but E is in the chain.
    const e = await request('e');
    expect(e.status).toBe('passed');
    const [d] = await dependencyBuilds('d', 1);
    expect(d).toMatchObject({ status: 'passed', caused_by: e.id });
    // Give a wrong second round time to be queued, then count: one rebuild of D, none of E.
    await new Promise((r) => setTimeout(r, 2_000));
    const cycle = (await all()).filter((x) => x.trigger === 'dependency' && [repos.d!.url, repos.e!.url].includes(x.repo));
    expect(cycle.map((x) => x.name)).toEqual([names.d]);
  }, 300_000);
});
