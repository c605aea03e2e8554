import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubRequest, pushToMaster, rewriteRepo } from '../github/fixtures.js';
import { testConfig, uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo, type FixtureFiles } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';

const SECRET = 'limits-webhook-secret';
/**
 * The server answers a request that does no I/O well within this while it works: the inputs used to
 * hold the loop for 7 s to minutes, and the margin absorbs a busy two-core machine (bench/event-loop.ts
 * reports the percentiles). /healthz is not the probe: it waits for dockerd and the database, which on
 * a busy machine take seconds on their own.
 */
const MAX_LATENCY_MS = 1000;
/** Routed and answered 404 by the server itself: its latency is the event loop's. */
const PROBE = '/api/no-such-route';

interface Build {
  id: string;
  status: string;
  error: string | null;
}

/**
 * Each hostile input of the event-loop item goes to a real `roger serve` (its own process) through a
 * real build of a repository served over smart HTTP, while an I/O-free route is polled: its slowest
 * answer is how long the event loop was held. Before, each of these inputs froze the server for seconds or more.
 */
describe('hostile inputs do not freeze the event loop', () => {
  let server: ServerProcess;
  let git: GitServer;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-limits-'));
    git = await startGitServer({ root });
    const { file } = testConfig(`builds:\n  allowedSchemes: [https, http]\n  concurrent: 2\ngithub:\n  webhookSecret: ${SECRET}\n`);
    server = await startServer(file);
    // A first ordinary build loads what builds need (modules, connections), which is not the inputs' cost.
    const { url } = await repository({ Dockerfile: `FROM ${BASE}\n`, 'build.yml': 'warm: {}\n' });
    expect((await watch(await requestBuild(url))).build.status).toBe('passed');
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await git?.close();
  });

  async function repository(files: FixtureFiles): Promise<{ name: string; url: string }> {
    const name = `limits-${uniq()}`;
    await makeBareRepo(root, name, files);
    return { name, url: `${git.url}/${name}.git` };
  }

  const build = async (id: string): Promise<Build> => (await getJson<{ build: Build }>(`${server.url}/api/builds/${id}`)).body.build;
  const log = async (id: string): Promise<string> => (await fetch(`${server.url}/api/builds/${id}/log`)).text();

  /** Polls PROBE until `id` finishes; returns the build and the slowest answer in milliseconds. */
  async function watch(id: string): Promise<{ build: Build; maxLatency: number; samples: number }> {
    let maxLatency = 0;
    let samples = 0;
    const end = Date.now() + 120_000;
    for (;;) {
      const started = performance.now();
      const probe = await fetch(`${server.url}${PROBE}`);
      await probe.arrayBuffer();
      expect(probe.status).toBe(404);
      maxLatency = Math.max(maxLatency, performance.now() - started);
      samples++;
      const b = await build(id);
      if (['passed', 'failed', 'canceled', 'skipped'].includes(b.status)) return { build: b, maxLatency, samples };
      if (Date.now() > end) throw new Error(`build ${id} did not finish`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function requestBuild(url: string, branch = 'master'): Promise<string> {
    const res = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(url)}&branch=${encodeURIComponent(branch)}`);
    expect(res.status).toBe(202);
    return res.body.id;
  }

  it('a Dockerfile whose directive line holds 200 KB of spaces builds without stalling', async () => {
    const { url } = await repository({
      Dockerfile: `#a=x${' '.repeat(200 * 1024)}x\nFROM ${BASE}\n`,
      'build.yml': 'directive: {}\n',
    });
    const { build: b, maxLatency } = await watch(await requestBuild(url));
    // Roger found the FROM after the line (Docker itself may then refuse the line as too long).
    expect(await log(b.id)).toContain(`Base image ${BASE}: `);
    expect(['passed', 'failed']).toContain(b.status);
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
  });

  it('a Dockerfile of 40,000 nested ${A:-...} fails with a clear message', async () => {
    const { url } = await repository({
      Dockerfile: `FROM ${'${B:-'.repeat(40_000)}x${'}'.repeat(40_000)}\n`,
      'build.yml': 'nested: {}\n',
    });
    const { build: b, maxLatency } = await watch(await requestBuild(url));
    expect(b.status).toBe('failed');
    expect(await log(b.id)).toMatch(/the Dockerfile nests \$\{\.\.\.\} substitutions more than 32 levels deep/);
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
  });

  it('a build.yml of 90,000 invalid project names fails with a short, clear error', async () => {
    const text = Array.from({ length: 90_000 }, (_, i) => `B${i}:`).join('\n');
    const { url } = await repository({ Dockerfile: `FROM ${BASE}\n`, 'build.yml': text });
    const { build: b, maxLatency } = await watch(await requestBuild(url));
    expect(b).toMatchObject({ status: 'failed', error: 'checkout: build.yml:51:1 90000 projects; a build.yml may list at most 50 (builds.maxProjects)' });
    expect((await log(b.id)).length).toBeLessThan(5_000);
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
  });

  it('a 1 MB build.yml of 20 projects with 4,000 bad keys each is parsed off the event loop', async () => {
    const keys = Array.from({ length: 4_000 }, (_, i) => `    k${i}: 1`).join('\n');
    const text = Array.from({ length: 20 }, (_, i) => `p${i}:\n  build:\n${keys}\n`).join('');
    expect(text.length).toBeGreaterThan(700_000);
    expect(text.length).toBeLessThan(1024 * 1024);
    const { url } = await repository({ Dockerfile: `FROM ${BASE}\n`, 'build.yml': text });
    const { build: b, maxLatency } = await watch(await requestBuild(url));
    expect(b.status).toBe('failed');
    const lines = (b.error ?? '').split('\n');
    expect(lines[0]).toBe('checkout: build.yml:3:5 p0.build: missing required key "dockerfile"');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toMatch(/^build\.yml: 8\d{4} more problems not shown$/);
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
  });

  it('a .dockerignore pattern that backtracks exponentially matches in linear time', async () => {
    const { url } = await repository({
      Dockerfile: `FROM ${BASE}\nCOPY . /ctx/\n`,
      '.dockerignore': '(a|a)*b\n*a*a*a*a*a*a*a*a*a*a*a*a*b\n',
      [`${'a'.repeat(200)}c`]: 'kept\n',
      'build.yml': 'ignore: {}\n',
    });
    const { build: b, maxLatency } = await watch(await requestBuild(url));
    expect(b.status, await log(b.id)).toBe('passed');
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
  });

  it('settings.matching `^(a|a)*$` against a 40-character branch skips the webhook build at once', async () => {
    const branch = `${'a'.repeat(40)}!`;
    const { name, url } = await repository({
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': "settings:\n  matching:\n    patterns: ['^(a|a)*$']\nmatching: {}\n",
    });
    const { sha } = await commitFiles(join(root, `${name}.git`), { 'note.txt': 'x' }, { branch });
    const payload = rewriteRepo(pushToMaster(), url);
    Object.assign(payload, { ref: `refs/heads/${branch}`, after: sha, head_commit: { id: sha } });
    const req = await githubRequest('push', payload, { secret: SECRET });
    const res = await fetch(`${server.url}/public/api/hooks/github`, { method: 'POST', headers: req.headers, body: req.body });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const { build: b, maxLatency } = await watch(id);
    expect(b).toMatchObject({ status: 'skipped', error: `branch "${branch}" does not match settings.matching in build.yml` });
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
  });

  it('a build.yml of 1,500 projects is refused with one build record and no siblings', async () => {
    const text = Array.from({ length: 1500 }, (_, i) => `p${i}: {}`).join('\n');
    const { url } = await repository({ Dockerfile: `FROM ${BASE}\n`, 'build.yml': text });
    const id = await requestBuild(url);
    const { build: b } = await watch(id);
    expect(b.status).toBe('failed');
    expect(b.error).toBe('checkout: build.yml:51:1 1500 projects; a build.yml may list at most 50 (builds.maxProjects)');
    const group = await waitFor(async () => (await getJson<{ builds: (Build & { group_id: string })[] }>(`${server.url}/api/builds?limit=500`)).body.builds, 5000);
    expect(group.filter((x) => x.group_id === id)).toHaveLength(1);
  });
});
