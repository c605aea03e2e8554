import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RunningServer } from '../../src/main/server.js';
import { testConfig, uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson, waitFor } from '../helpers/server.js';
import { githubRequest, pushToMaster, rewriteRepo } from '../github/fixtures.js';

const SECRET = 'paths-secret';

interface Build {
  id: string;
  group_id: string;
  name: string;
  status: string;
  error: string | null;
  trigger: string;
  commit: string | null;
}

/**
 * The whole server in-process (SQLite, real engine and registry) behind the smart-HTTP git server:
 * GitHub push webhooks of a three-project monorepo, each project with its own filter.
 */
describe('paths and paths-ignore on pushes, end to end', () => {
  const u = uniq();
  const api = `api-${u}`;
  const docs = `docs-${u}`;
  const both = `both-${u}`;
  let root: string;
  let git: GitServer;
  let server: RunningServer;
  let url: string;
  let repoDir: string;
  let cloneUrl: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-paths-'));
    git = await startGitServer({ root });
    const { config } = testConfig(`builds:\n  allowedSchemes: [http]\n  concurrent: 3\ngithub:\n  webhookSecret: ${SECRET}\napp:\n  port: 0\n`);
    server = await createServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${(await server.listen()).port}`;
    const dockerfile = `FROM ${BASE}\nCOPY . /app\n`;
    const buildYml = [
      `${api}:\n  dockerfilePath: api\n  paths: [api/**]`,
      `${docs}:\n  dockerfilePath: docs\n  paths-ignore: ['*.md', api/]`,
      `${both}:\n  dockerfilePath: both\n  paths: [both/**, shared/**]\n  paths-ignore: ['**/*.md']`,
    ].join('\n');
    const made = await makeBareRepo(join(root, 'octo'), `mono-${u}`, {
      'build.yml': `${buildYml}\n`,
      'api/Dockerfile': dockerfile,
      'docs/Dockerfile': dockerfile,
      'both/Dockerfile': dockerfile,
    });
    repoDir = made.dir;
    cloneUrl = `${git.url}/octo/mono-${u}.git`;
  });
  afterAll(async () => {
    await server?.close(5_000);
    await git?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function push(sha: string): Promise<string> {
    const payload = rewriteRepo(pushToMaster(), cloneUrl);
    Object.assign(payload, { ref: 'refs/heads/master', after: sha, head_commit: { id: sha, message: 'change' } });
    const req = await githubRequest('push', payload, { secret: SECRET });
    const res = await fetch(`${url}/public/api/hooks/github`, { method: 'POST', headers: req.headers, body: req.body });
    const body = (await res.json()) as { id?: string; message: string };
    expect(res.status, body.message).toBe(202);
    return body.id!;
  }

  /** The group's three records once each has a final status, by project name. */
  async function group(id: string): Promise<Record<string, Build>> {
    const all = await waitFor(async () => {
      const { body } = await getJson<{ builds: Build[] }>(`${url}/api/builds?limit=100`);
      const mine = body.builds.filter((b) => b.group_id === id);
      return mine.length === 3 && mine.every((b) => ['passed', 'failed', 'canceled', 'skipped'].includes(b.status)) && mine;
    }, 120_000, `group ${id} to finish`);
    return Object.fromEntries(all.map((b) => [b.name, b]));
  }

  const statuses = (g: Record<string, Build>) => ({ api: g[api]?.status, docs: g[docs]?.status, both: g[both]?.status });

  it('a first push builds every project; later pushes build only the projects their changes concern', async () => {
    const first = await group(await push((await commitFiles(repoDir, { 'README.md': 'hello\n' })).sha));
    expect(statuses(first)).toEqual({ api: 'passed', docs: 'passed', both: 'passed' });
    expect(await inRegistry(api, 'latest')).toBe(true);

    // paths alone; paths-ignore alone (a directory glob); both together (paths matches nothing here).
    const apiOnly = await group(await push((await commitFiles(repoDir, { 'api/main.txt': 'v2\n' })).sha));
    expect(statuses(apiOnly)).toEqual({ api: 'passed', docs: 'skipped', both: 'skipped' });
    expect(apiOnly[docs]?.error).toMatch(/^every changed file matches paths-ignore \(1 file changed since [0-9a-f]{12}\)$/);
    expect(apiOnly[both]?.error).toMatch(/^no changed file matches paths but not paths-ignore \(1 file changed since /);
    expect(apiOnly[api]?.error).toBeNull();

    // Markdown everywhere: paths-ignore wins over paths for both/README.md.
    const docsOnly = await group(await push((await commitFiles(repoDir, { 'README.md': 'more\n', 'both/README.md': 'x\n' })).sha));
    expect(statuses(docsOnly)).toEqual({ api: 'skipped', docs: 'skipped', both: 'skipped' });
    expect(docsOnly[api]?.error).toMatch(/^no changed file matches paths \(2 files changed since /);

    // Each project compares with its own last passed build: docs and both with the first push (4 files since).
    const shared = await group(await push((await commitFiles(repoDir, { 'shared/lib.txt': 'lib\n' })).sha));
    expect(statuses(shared)).toEqual({ api: 'skipped', docs: 'passed', both: 'passed' });
    expect(shared[api]?.error).toMatch(/^no changed file matches paths \(3 files changed since /);

    const log = await (await fetch(`${url}/api/builds/${shared[api]!.id}/log`)).text();
    expect(log).toContain(`[${api}] Skipped: no changed file matches paths`);
    expect(log).toContain('  shared/lib.txt');
  }, 300_000);

  it('an API request builds every project whatever changed', async () => {
    const res = await getJson<{ id: string }>(`${url}/api/build?repo=${encodeURIComponent(cloneUrl)}`, { method: 'POST' });
    expect(res.status).toBe(202);
    const g = await group(res.body.id);
    expect(statuses(g)).toEqual({ api: 'passed', docs: 'passed', both: 'passed' });
  }, 180_000);
});
