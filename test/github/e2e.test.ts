import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/core/config.js';
import { uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import type { DeliveryView } from '../helpers/hook-app.js';
import { getJson, waitFor } from '../helpers/server.js';
import { httpsRoot, startWebhookServer, statusesFor, type WebhookServer } from '../helpers/webhook-server.js';
import { workspaceOf } from '../../src/pipeline/workspace.js';
import { FakeGitHub } from './fake-github.js';
import { githubRequest, prComment, pushToMaster, rewriteRepo } from './fixtures.js';

const TOKEN = 'ghp_e2eprivatetoken7f3a9c1d5e8b2046';
const TOKEN_B64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const SECRET = 'e2e-webhook-secret';
const OWNER = 'octo';

interface Build {
  id: string;
  status: string;
  branch: string;
  tag: string | null;
  commit: string | null;
  error: string | null;
  trigger: string;
}

/**
 * The whole server in-process (createServer: SQLite file, real Docker engine and registry) behind a
 * private git server that wants the token, with a recording fake GitHub API.
 */
describe('GitHub webhooks end to end', () => {
  let gh: FakeGitHub;
  let git: GitServer;
  let root: string;
  let config: Config;
  let server: WebhookServer;
  let url: string;

  beforeAll(async () => {
    const https = await httpsRoot('roger-gh-repos-');
    root = https.root;
    git = await startGitServer({ root, auth: { username: 'x-access-token', password: TOKEN }, tls: https.cert });
    gh = await new FakeGitHub().start();
    server = await startWebhookServer([`auth:\n  github: ${TOKEN}`, `github:\n  apiUrl: ${gh.url}\n  webhookSecret: ${SECRET}`]);
    ({ url, config } = server);
  });
  afterAll(async () => {
    await server?.close();
    await git?.close();
    await gh?.close();
  });
  beforeEach(() => gh.reset());

  /** A private repository `octo/<name>` with a Dockerfile and build.yml; returns its URL and commit. */
  async function repository(name: string, buildYml = `${name}:\n  notify: [github]\n`): Promise<{ cloneUrl: string; sha: string }> {
    const { sha } = await makeBareRepo(join(root, OWNER), name, {
      Dockerfile: `FROM ${BASE}\nRUN echo built-${name}\n`,
      'build.yml': buildYml,
    });
    return { cloneUrl: `${git.url}/${OWNER}/${name}.git`, sha };
  }

  async function push(cloneUrl: string, branch: string, sha: string): Promise<{ delivery: string; status: number; body: Record<string, unknown> }> {
    const payload = rewriteRepo(pushToMaster(), cloneUrl);
    Object.assign(payload, { ref: `refs/heads/${branch}`, after: sha, head_commit: { id: sha } });
    return send(await githubRequest('push', payload, { secret: SECRET }));
  }

  async function send(req: Awaited<ReturnType<typeof githubRequest>>) {
    return { delivery: req.headers['x-github-delivery']!, ...(await server.send('github', req)) };
  }

  const finished = (id: string) => server.finished<Build>(id);
  const delivery = async (id: string) =>
    (await getJson<{ deliveries: DeliveryView[] }>(`${url}/api/hooks/deliveries?limit=50`)).body.deliveries.find((d) => d.id === id);

  it('a signed push builds the private repository with the token, pushes the image, reports pending then success', async () => {
    const name = `gh-push-${uniq()}`;
    const { cloneUrl, sha } = await repository(name);
    const res = await push(cloneUrl, 'master', sha);
    expect(res.status).toBe(202);
    const b = await finished(String(res.body.id));
    expect(b).toMatchObject({ status: 'passed', branch: 'master', commit: sha, trigger: 'webhook', tag: `127.0.0.1:5000/${name}:latest` });
    expect(await inRegistry(name, 'latest')).toBe(true);
    expect(git.requests.some((r) => r.path.startsWith(`/${OWNER}/${name}.git`) && r.authorization === `Basic ${TOKEN_B64}`)).toBe(true);

    const statuses = await statusesFor(gh, sha, 2);
    const target = `http://roger.test:8080/builds/${b.id}`;
    expect(statuses.map((s) => [s.method, s.path, s.authorization, s.body])).toEqual([
      ['POST', `/repos/${OWNER}/${name}/statuses/${sha}`, `token ${TOKEN}`, { state: 'pending', context: 'continuous-integration/roger', target_url: target, description: `Building 127.0.0.1:5000/${name}:latest` }],
      ['POST', `/repos/${OWNER}/${name}/statuses/${sha}`, `token ${TOKEN}`, { state: 'success', context: 'continuous-integration/roger', target_url: target, description: `Built 127.0.0.1:5000/${name}:latest` }],
    ]);
    expect(await delivery(res.delivery)).toMatchObject({ result: 'built', build_id: b.id });
  });

  it('a project without notify: [github] builds and sends no status', async () => {
    const name = `gh-quiet-${uniq()}`;
    const { cloneUrl, sha } = await repository(name, `${name}: {}\n`);
    const res = await push(cloneUrl, 'master', sha);
    expect((await finished(String(res.body.id))).status).toBe('passed');
    await new Promise((r) => setTimeout(r, 500));
    expect(gh.statuses().filter((r) => r.path.endsWith(sha))).toEqual([]);
  });

  it('the build still passes when the GitHub API answers 500 to every status', async () => {
    gh.fail(/statuses/, 500, 1_000);
    const name = `gh-down-${uniq()}`;
    const { cloneUrl, sha } = await repository(name);
    const res = await push(cloneUrl, 'master', sha);
    const b = await finished(String(res.body.id));
    expect(b.status).toBe('passed');
    expect(await inRegistry(name, 'latest')).toBe(true);
    // pending and success were each tried (with retries), never fatal.
    const tried = await statusesFor(gh, sha, 3);
    expect(new Set(tried.map((s) => (s.body as { state: string }).state))).toContain('pending');
  });

  it('a push settings.matching does not allow is recorded as skipped and pushes nothing', async () => {
    const name = `gh-match-${uniq()}`;
    const { cloneUrl } = await repository(name, `${name}: {}\nsettings:\n  matching:\n    branches: [master]\n`);
    const { sha } = await commitFiles(join(root, OWNER, `${name}.git`), { 'feature.txt': 'x' }, { branch: 'feature-x' });
    const res = await push(cloneUrl, 'feature-x', sha);
    expect(res.status).toBe(202);
    const b = await finished(String(res.body.id));
    expect(b.status).toBe('skipped');
    expect(b.error).toMatch(/^branch "feature-x" does not match settings.matching/);
    const listed = (await getJson<{ builds: Build[] }>(`${url}/api/builds?status=skipped&limit=500`)).body.builds;
    expect(listed.map((x) => x.id)).toContain(b.id);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/roger_builds\{status="skipped"\} [1-9]/);
    const d = await delivery(res.delivery);
    expect(d?.result).toMatch(/^skipped: branch "feature-x" does not match settings.matching/);
    expect(d?.build_id).toBe(b.id);
    expect(await inRegistry(name, 'feature-x')).toBe(false);
    // Only this repository's statuses: an earlier test's retries may still be arriving.
    expect(gh.statuses().filter((r) => r.path.includes(`/${name}/`))).toEqual([]);
  });

  it('reports on the commit the checkout resolved, not the sha the payload claimed', async () => {
    const name = `gh-claim-${uniq()}`;
    const { cloneUrl, sha } = await repository(name);
    const claimed = 'f'.repeat(40);
    const res = await push(cloneUrl, 'master', claimed);
    const b = await finished(String(res.body.id));
    expect(b).toMatchObject({ status: 'passed', commit: sha });
    const statuses = await statusesFor(gh, sha, 2);
    expect(statuses.map((s) => (s.body as { state: string }).state)).toEqual(['pending', 'success']);
    expect(gh.statuses().filter((r) => r.path.endsWith(claimed))).toEqual([]);
  });

  it('a build.yml that cannot be read still reports the failure on the fetched commit', async () => {
    const name = `gh-badyml-${uniq()}`;
    const { cloneUrl, sha } = await repository(name, `${name}: [unclosed\n`);
    const res = await push(cloneUrl, 'master', sha);
    const b = await finished(String(res.body.id));
    expect(b.status).toBe('failed');
    const [status] = await statusesFor(gh, sha, 1);
    expect((status?.body as { state: string }).state).toBe('failure');
  });

  it('"build please!" on a pull request builds its head branch and reports on the head commit', async () => {
    const name = `gh-pr-${uniq()}`;
    const { cloneUrl } = await repository(name);
    const { sha } = await commitFiles(join(root, OWNER, `${name}.git`), { 'pr.txt': 'y' }, { branch: 'feature/pr' });
    gh.pulls.set(`${OWNER}/${name}#3`, { head: { ref: 'feature/pr', sha, cloneUrl, fullName: `${OWNER}/${name}` }, baseFullName: `${OWNER}/${name}` });
    const res = await send(await githubRequest('issue_comment', prComment(cloneUrl, 3), { secret: SECRET }));
    expect(res.status).toBe(202);
    const d = await waitFor(async () => {
      const found = await delivery(res.delivery);
      return found?.build_id ? found : undefined;
    }, 10_000, 'the pull request build');
    const b = await finished(d.build_id!);
    expect(b).toMatchObject({ status: 'passed', branch: 'feature/pr', commit: sha, tag: `127.0.0.1:5000/${name}:feature-pr` });
    await statusesFor(gh, sha, 2);
    expect(gh.requests.filter((r) => r.path.includes(`/${name}/`)).map((r) => `${r.method} ${r.path} ${r.authorization} ${(r.body as { state?: string } | undefined)?.state ?? ''}`)).toEqual([
      `GET /repos/${OWNER}/${name}/pulls/3 token ${TOKEN} `,
      `POST /repos/${OWNER}/${name}/statuses/${sha} token ${TOKEN} pending`,
      `POST /repos/${OWNER}/${name}/statuses/${sha} token ${TOKEN} success`,
    ]);
  });

  it('leaves the token nowhere: build logs, API answers, the database file, the workspace', async () => {
    const needles = [TOKEN, TOKEN_B64];
    const hits: string[] = [];
    const check = (where: string, text: string) => {
      for (const n of needles) if (text.includes(n)) hits.push(`${where} contains ${n === TOKEN ? 'the token' : 'the auth header'}`);
    };
    // Catch a build in its workspace (checkout done, image building) and scan it while it exists.
    const name = `gh-slow-${uniq()}`;
    const { sha } = await makeBareRepo(join(root, OWNER), name, { Dockerfile: `FROM ${BASE}\nRUN echo ${name} && sleep 3\n`, 'build.yml': `${name}: {}\n` });
    const res = await push(`${git.url}/${OWNER}/${name}.git`, 'master', sha);
    const workspace = workspaceOf(config.paths.builds, { id: String(res.body.id), attempt: 1 });
    const seen = await waitFor(async () => {
      const files = await filesUnder(workspace);
      // `.git` is a file pointing into the git cache (a directory with builds.gitCache: false).
      return files.some((f) => f.endsWith(`${sep}.git`) || f.endsWith(join('.git', 'config'))) && files;
    }, 30_000, 'the checkout in the workspace');
    for (const file of seen) check(file, (await readFile(file).catch(() => Buffer.alloc(0))).toString('latin1'));
    expect((await finished(String(res.body.id))).status).toBe('passed');
    check('the server log', server.log.join(''));

    const builds = (await getJson<{ builds: Build[] }>(`${url}/api/builds?limit=100`)).body.builds;
    expect(builds.length).toBeGreaterThanOrEqual(4);
    for (const b of builds) check(`log of ${b.id}`, await (await fetch(`${url}/api/builds/${b.id}/log`)).text());
    for (const path of ['/api/builds?limit=100', '/api/projects?limit=100', '/api/config', '/api/hooks/deliveries?limit=100', '/healthz', '/metrics']) {
      check(path, await (await fetch(`${url}${path}`)).text());
    }
    for (const file of await filesUnder(config.paths.builds)) check(file, (await readFile(file)).toString('latin1'));
    expect((await filesUnder(config.paths.builds)).some((f) => f.endsWith('roger.db'))).toBe(true);
    expect(hits).toEqual([]);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
