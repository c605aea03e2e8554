import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson } from '../helpers/server.js';
import { httpsRoot, startWebhookServer, statusesFor, type WebhookServer } from '../helpers/webhook-server.js';
import { ApiRecorder } from './fake-forge.js';
import { fixture, giteaRepo, giteaRequest, gitlabRepo, gitlabRequest, type HookRequest, type Json } from './payloads.js';

const GITLAB_TOKEN = 'glpat-e2eprivatetoken4b8d1e';
const GITEA_TOKEN = 'gitea-e2e-private-token-2c7f';
const HOOK_TOKEN = 'e2e-gitlab-hook-token';
const HOOK_SECRET = 'e2e-gitea-hook-secret';

interface Build {
  id: string;
  status: string;
  branch: string;
  tag: string | null;
  commit: string | null;
}

/**
 * The whole server in-process (SQLite file, real Docker engine and registry), GitLab and Gitea each
 * with a private git server that wants its token (GitLab's as user `oauth2`) and an API recorder.
 */
describe('GitLab and Gitea webhooks end to end', () => {
  let root: string;
  let gitlabGit: GitServer;
  let giteaGit: GitServer;
  let gitlabApi: ApiRecorder;
  let giteaApi: ApiRecorder;
  let server: WebhookServer;
  let url: string;

  beforeAll(async () => {
    const https = await httpsRoot('roger-forge-repos-');
    root = https.root;
    gitlabGit = await startGitServer({ root: join(root, 'gitlab'), auth: { username: 'oauth2', password: GITLAB_TOKEN }, tls: https.cert });
    giteaGit = await startGitServer({ root: join(root, 'gitea'), auth: { username: 'x-access-token', password: GITEA_TOKEN }, tls: https.cert });
    gitlabApi = await new ApiRecorder().start();
    giteaApi = await new ApiRecorder().start();
    server = await startWebhookServer([
      `gitlab:\n  apiUrl: ${gitlabApi.url}/api/v4\n  token: ${GITLAB_TOKEN}\n  webhookToken: ${HOOK_TOKEN}`,
      `gitea:\n  apiUrl: ${giteaApi.url}/api/v1\n  token: ${GITEA_TOKEN}\n  webhookSecret: ${HOOK_SECRET}`,
    ]);
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await gitlabGit?.close();
    await giteaGit?.close();
    await gitlabApi?.close();
    await giteaApi?.close();
  });

  async function repository(dir: string, name: string, tag?: string): Promise<string> {
    const { sha } = await makeBareRepo(join(root, dir, 'team'), name, {
      Dockerfile: `FROM ${BASE}\nRUN echo built-${name}\n`,
      // build.yml written for GitHub: `github` means the build's own forge.
      'build.yml': `${name}:\n  notify: [github]\n`,
    }, tag === undefined ? {} : { tag });
    return sha;
  }

  const send = (forge: string, req: HookRequest) => server.send(forge, req);
  const finished = (id: string) => server.finished<Build>(id);

  it('GitLab: a Push Hook builds the private project with the oauth2 token, pushes the image, reports running then success', async () => {
    const name = `gl-e2e-${uniq()}`;
    const sha = await repository('gitlab', name);
    const cloneUrl = `${gitlabGit.url}/team/${name}.git`;
    const p = gitlabRepo(fixture('gitlab', 'push-event'), cloneUrl);
    Object.assign(p, { before: '0'.repeat(40), after: sha, checkout_sha: sha, commits: [] });
    const res = await send('gitlab', gitlabRequest('Push Hook', p, HOOK_TOKEN));
    expect(res.status).toBe(202);
    const b = await finished(String(res.body.id));
    expect(b).toMatchObject({ status: 'passed', branch: 'master', commit: sha, tag: `127.0.0.1:5000/${name}:latest` });
    expect(await inRegistry(name, 'latest')).toBe(true);
    const basic = `Basic ${Buffer.from(`oauth2:${GITLAB_TOKEN}`).toString('base64')}`;
    expect(gitlabGit.requests.some((r) => r.path.startsWith(`/team/${name}.git`) && r.authorization === basic)).toBe(true);

    const sent = await statusesFor(gitlabApi, sha, 2);
    const target = `http://roger.test:8080/builds/${b.id}`;
    expect(sent.map((s) => [s.path, s.headers['private-token'], s.body])).toEqual([
      [`/api/v4/projects/team%2F${name}/statuses/${sha}`, GITLAB_TOKEN, { state: 'running', name: 'continuous-integration/roger', target_url: target, description: `Building 127.0.0.1:5000/${name}:latest` }],
      [`/api/v4/projects/team%2F${name}/statuses/${sha}`, GITLAB_TOKEN, { state: 'success', name: 'continuous-integration/roger', target_url: target, description: `Built 127.0.0.1:5000/${name}:latest` }],
    ]);
    expect(giteaApi.statuses().filter((s) => s.path.endsWith(sha))).toEqual([]);
  });

  it('GitLab: "build please!" on a merge request builds its source branch', async () => {
    const name = `gl-mr-${uniq()}`;
    const sha = await repository('gitlab', name);
    const p = gitlabRepo(fixture('gitlab', 'comment-merge-request-event'), `${gitlabGit.url}/team/${name}.git`);
    (p.object_attributes as Json).note = 'build please!';
    Object.assign(p.merge_request as Json, { source_branch: 'master', last_commit: { id: sha } });
    const res = await send('gitlab', gitlabRequest('Note Hook', p, HOOK_TOKEN));
    expect(res.status).toBe(202);
    expect(await finished(String(res.body.id))).toMatchObject({ status: 'passed', commit: sha });
    expect((await statusesFor(gitlabApi, sha, 2)).map((s) => (s.body as { state: string }).state)).toEqual(['running', 'success']);
  });

  it('Gitea: a signed push builds the private repository with its token, reports pending then success', async () => {
    const name = `gt-e2e-${uniq()}`;
    const sha = await repository('gitea', name);
    const cloneUrl = `${giteaGit.url}/team/${name}.git`;
    const p = giteaRepo(fixture('gitea', 'push-event'), cloneUrl);
    Object.assign(p, { after: sha, head_commit: { id: sha, message: 'build me' } });
    const res = await send('gitea', giteaRequest('push', p, HOOK_SECRET));
    expect(res.status).toBe(202);
    const b = await finished(String(res.body.id));
    expect(b).toMatchObject({ status: 'passed', commit: sha, tag: `127.0.0.1:5000/${name}:latest` });
    expect(await inRegistry(name, 'latest')).toBe(true);
    const basic = `Basic ${Buffer.from(`x-access-token:${GITEA_TOKEN}`).toString('base64')}`;
    expect(giteaGit.requests.some((r) => r.path.startsWith(`/team/${name}.git`) && r.authorization === basic)).toBe(true);
    const sent = await statusesFor(giteaApi, sha, 2);
    expect(sent.map((s) => [s.path, s.headers.authorization, (s.body as { state: string; context: string }).state, (s.body as { context: string }).context])).toEqual([
      [`/api/v1/repos/team/${name}/statuses/${sha}`, `token ${GITEA_TOKEN}`, 'pending', 'continuous-integration/roger'],
      [`/api/v1/repos/team/${name}/statuses/${sha}`, `token ${GITEA_TOKEN}`, 'success', 'continuous-integration/roger'],
    ]);
    expect(gitlabApi.statuses().filter((s) => s.path.endsWith(sha))).toEqual([]);
  });

  it('Gitea: create and push of one new tag build it once', async () => {
    const name = `gt-tag-${uniq()}`;
    const sha = await repository('gitea', name, 'v1.0.0');
    const cloneUrl = `${giteaGit.url}/team/${name}.git`;
    const create = Object.assign(giteaRepo(fixture('gitea', 'create-event'), cloneUrl), { ref: 'v1.0.0', ref_type: 'tag', sha });
    const push = Object.assign(giteaRepo(fixture('gitea', 'push-event'), cloneUrl), { ref: 'refs/tags/v1.0.0', before: '0'.repeat(40), after: sha, head_commit: { id: sha, message: 'v1' } });
    const answers = await Promise.all([send('gitea', giteaRequest('create', create, HOOK_SECRET)), send('gitea', giteaRequest('push', push, HOOK_SECRET))]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    const id = String(answers.find((a) => a.status === 202)!.body.id);
    expect(await finished(id)).toMatchObject({ status: 'passed', branch: 'v1.0.0' });
    expect(await inRegistry(name, 'v1.0.0')).toBe(true);
    const all = (await getJson<{ builds: (Build & { repo: string })[] }>(`${url}/api/builds?limit=200`)).body.builds;
    expect(all.filter((b) => b.repo === cloneUrl)).toHaveLength(1);
  });

  it('leaves the tokens out of the server log and the API answers', async () => {
    const hits: string[] = [];
    const needles = [GITLAB_TOKEN, GITEA_TOKEN, Buffer.from(`oauth2:${GITLAB_TOKEN}`).toString('base64')];
    const check = (where: string, text: string) => needles.forEach((n) => text.includes(n) && hits.push(where));
    check('server log', server.log.join(''));
    const builds = (await getJson<{ builds: Build[] }>(`${url}/api/builds?limit=100`)).body.builds;
    for (const b of builds) check(`log of ${b.id}`, await (await fetch(`${url}/api/builds/${b.id}/log`)).text());
    for (const path of ['/api/builds?limit=100', '/api/config', '/api/hooks/deliveries?limit=100']) check(path, await (await fetch(`${url}${path}`)).text());
    expect(builds.length).toBeGreaterThanOrEqual(3);
    expect(hits).toEqual([]);
  });
});
