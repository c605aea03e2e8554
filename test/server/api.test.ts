import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson, postLarge, readUntil, startServer, waitFor, type ServerProcess } from '../helpers/server.js';

interface Build {
  id: string;
  project: string;
  alias: string;
  branch: string;
  status: string;
  tag: string | null;
  created_at: string;
  updated_at: string;
  error: string | null;
  digest: string | null;
  group_id: string;
}

describe('the HTTP API on a real server, engine and registry', () => {
  let server: ServerProcess;
  let repo: string;
  let slowRepo: string;
  const name = `api-${uniq()}`;

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'roger-api-'));
    repo = (await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\n# A fresh layer each run: a cached build would finish before the log could be followed.\nRUN echo step-one ${name} && sleep 2 && echo step-two\n`, 'build.yml': `${name}: {}\n` })).dir;
    slowRepo = (await makeBareRepo(root, `${name}-slow`, { Dockerfile: `FROM ${BASE}\nRUN sleep 60 && echo ${name}\n`, 'build.yml': `${name}-slow: {}\n` })).dir;
    const { file } = testConfig(`builds:\n  concurrent: 2\n  allowedSchemes: [https, file]\nauth:\n  github: ghp_supersecrettoken123\n`);
    server = await startServer(file);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const build = async (id: string) => (await getJson<{ build: Build }>(`${server.url}/api/builds/${id}`)).body.build;

  it('queues a build by GET, streams its log while it runs, and it passes', async () => {
    const res = await getJson<{ message: string; id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${repo}`)}&branch=master`);
    expect(res.status).toBe(202);
    expect(res.body.message).toBe('build scheduled');
    const logRes = await fetch(`${server.url}/api/builds/${res.body.id}/log`);
    expect(logRes.headers.get('content-type')).toContain('text/plain');
    const reader = logRes.body!.getReader();
    const chunks: string[] = [];
    let sawStatusWhileRunning = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value).toString());
      if (chunks.join('').includes('step-one') && !sawStatusWhileRunning) sawStatusWhileRunning = (await build(res.body.id)).status;
    }
    const log = chunks.join('');
    expect(sawStatusWhileRunning).toBe('started');
    expect(log).toContain('step-two');
    expect(log).toMatch(/Build passed in/);
    const b = await build(res.body.id);
    expect(b).toMatchObject({ status: 'passed', project: `file://${repo}__${name}`, branch: 'master', tag: `127.0.0.1:5000/${name}:latest` });
    expect(b.digest).toMatch(/^sha256:/);
    expect(await inRegistry(name, 'latest')).toBe(true);

    const list = await getJson<{ builds: Build[] }>(`${server.url}/api/builds?limit=5`);
    expect(list.body.builds[0]?.id).toBe(res.body.id);
    const projects = await getJson<{ projects: { name: string; alias: string; latest_build: Build }[] }>(`${server.url}/api/projects`);
    const p = projects.body.projects.find((x) => x.name === `file://${repo}__${name}`);
    expect(p?.alias).toMatch(new RegExp(`^${name} \\(.+/${name}\\)$`));
    expect(p?.latest_build.id).toBe(res.body.id);
    // A finished build's log is still readable and ends at once.
    expect(await (await fetch(`${server.url}/api/builds/${res.body.id}/log`)).text()).toBe(log);
  });

  it('queues a build by POST with a JSON body and options', async () => {
    const res = await getJson<{ id: string }>(`${server.url}/api/build`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${repo}`, branch: 'master', options: { nocache: true } }),
    });
    expect(res.status).toBe(202);
    const done = await waitFor(async () => {
      const b = await build(res.body.id);
      return b.status === 'passed' || b.status === 'failed' ? b : undefined;
    });
    expect(done.status).toBe('passed');
  });

  it('rebuilds a build as a new build of the same repository and branch', async () => {
    const first = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${repo}`)}&branch=master`)).body.id;
    const again = await getJson<{ id: string; build: Build }>(`${server.url}/api/builds/${first}/rebuild`, { method: 'POST' });
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(first);
    expect(again.body.build).toMatchObject({ branch: 'master', status: 'queued' });
    const done = await waitFor(async () => {
      const b = await build(again.body.id);
      return ['passed', 'failed', 'canceled'].includes(b.status) ? b : undefined;
    });
    expect(done).toMatchObject({ status: 'passed', project: `file://${repo}__${name}` });
    expect((await getJson(`${server.url}/api/builds/nope-nope/rebuild`, { method: 'POST' })).status).toBe(404);
  });

  it('shows build argument names but never their values', async () => {
    const res = await getJson<{ id: string; build: { options: { buildargs: Record<string, string> } } }>(`${server.url}/api/build`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${repo}`, branch: 'master', options: { buildargs: { NPM_TOKEN: 'npm-secret-value-42' } } }),
    });
    expect(res.status).toBe(202);
    expect(res.body.build.options.buildargs).toEqual({ NPM_TOKEN: '*****' });
    const again = await fetch(`${server.url}/api/builds/${res.body.id}`).then((r) => r.text());
    expect(again).toContain('NPM_TOKEN');
    expect(again).not.toContain('npm-secret-value-42');
    expect(await fetch(`${server.url}/api/builds?limit=50`).then((r) => r.text())).not.toContain('npm-secret-value-42');
  });

  it('cancels a running build', async () => {
    const res = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${slowRepo}`)}`);
    await readUntil(`${server.url}/api/builds/${res.body.id}/log`, 'RUN sleep 60');
    const cancel = await fetch(`${server.url}/api/builds/${res.body.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const b = await waitFor(async () => {
      const x = await build(res.body.id);
      return x.status !== 'started' ? x : undefined;
    }, 20_000);
    expect(b.status).toBe('canceled');
  });

  it('refuses bad input with 400 and a message', async () => {
    const bad = [
      '/api/build',
      `/api/build?repo=${encodeURIComponent('http://example.com/x.git')}`,
      `/api/build?repo=${encodeURIComponent(`file://${repo}`)}&options[networkmode]=host`,
      `/api/build?repo=${encodeURIComponent(`file://${repo}`)}&branch=--foo`,
      `/api/build?repo=${encodeURIComponent('--upload-pack=touch /tmp/x')}`,
      '/api/builds?limit=-1',
      '/api/builds?limit=abc',
      '/api/builds?limit=1000000',
      '/api/projects?limit=0',
      '/api/builds/..%2F..%2Fetc%2Fpasswd/log',
      `/api/build?repo=${encodeURIComponent('https://alice:pw@example.com/o/r.git')}`,
      `/api/build?repo=${encodeURIComponent('https://ghp_token123@github.com/o/r.git')}`,
    ];
    for (const path of bad) {
      const res = await getJson<{ message: string }>(`${server.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(typeof res.body.message, path).toBe('string');
    }
    expect((await getJson(`${server.url}/api/builds/doesnotexist`)).status).toBe(404);
  });

  it('answers 413 to a 10 MB body and keeps serving', async () => {
    const status = await postLarge(`${server.url}/api/build`, Buffer.from(JSON.stringify({ repo: 'x'.repeat(10 * 1024 * 1024) })));
    expect(status).toBe(413);
    expect((await getJson(`${server.url}/api/builds`)).status).toBe(200);
  });

  it('masks secrets in /api/config and reports health and metrics', async () => {
    const cfg = await fetch(`${server.url}/api/config`).then((r) => r.text());
    expect(cfg).not.toContain('ghp_supersecrettoken123');
    expect(cfg).toContain('*****');
    const health = await getJson<{ status: string }>(`${server.url}/healthz`);
    expect(health.body.status).toBe('ok');
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/roger_builds\{status="passed"\} [1-9]/);
    expect(metrics).toContain('roger_queue_length');
  });
});
