import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMasker } from '../../src/config/mask.js';
import { projectId, type BuildStatus } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import type { ApiProjectBuilds, ApiStats, ApiWall } from '../../src/http/api-types.js';
import { createApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { LogHub } from '../../src/logs/hub.js';
import { testConfig } from '../helpers/config.js';
import { backendCases, useStore } from '../store/backends.js';

const REPO_A = 'https://git.example.test/team/alpha.git';
const REPO_B = 'https://git.example.test/team/beta.git';
const A = projectId(REPO_A, 'alpha');
const B = projectId(REPO_B, 'beta');
const TOKEN = 'wall-token-5150';

interface Made {
  status: BuildStatus;
  branch: string;
  tag?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}

async function addBuild(store: Store, repo: string, project: string, m: Made): Promise<string> {
  const { build } = await store.createBuild({ repo, branch: m.branch, trigger: 'api', options: {} });
  await store.updateBuild(build.id, {
    project,
    status: m.status,
    tag: m.tag ?? null,
    startedAt: m.startedAt ?? null,
    finishedAt: m.finishedAt ?? null,
    durationMs: m.durationMs ?? null,
  });
  return build.id;
}

describe.each(backendCases)('GET /api/wall, /api/projects/:name/builds and /api/stats ($name)', (c) => {
  const ctx = useStore(c);
  let app: FastifyInstance;
  const get = async <T>(url: string, token: string | null = TOKEN): Promise<{ status: number; body: T }> => {
    const res = await app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, body: res.json<T>() };
  };

  beforeEach(async () => {
    const { store } = ctx();
    const { config } = testConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\n`);
    const scheduler = { wake: () => undefined, cancel: () => false, runningCount: 0 };
    app = await createApp({ config, store, logs: new LogHub(store, { mask: createMasker([]) }), engine: createFakeEngine(), metrics: new Metrics(), scheduler });
  });
  afterEach(async () => {
    await app.close();
  });

  it('shows each project\'s latest telling build on its default branch, newer feature builds and canceled ones aside', async () => {
    const { store } = ctx();
    expect((await get<ApiWall>('/api/wall')).body).toEqual({ projects: [] });
    await addBuild(store, REPO_A, A, { status: 'passed', branch: 'main', tag: 'reg/alpha:latest' });
    const aFailed = await addBuild(store, REPO_A, A, { status: 'failed', branch: 'main', tag: 'reg/alpha:latest', finishedAt: new Date().toISOString() });
    await addBuild(store, REPO_A, A, { status: 'canceled', branch: 'main', tag: 'reg/alpha:latest' });
    await addBuild(store, REPO_A, A, { status: 'passed', branch: 'feature', tag: 'reg/alpha:feature' });
    // beta's default branch never built: its newest telling build on any branch.
    await addBuild(store, REPO_B, B, { status: 'passed', branch: 'topic', tag: 'reg/beta:topic' });
    const bQueued = await addBuild(store, REPO_B, B, { status: 'queued', branch: 'other' });
    await addBuild(store, REPO_B, B, { status: 'skipped', branch: 'other' });

    const { status, body } = await get<ApiWall>('/api/wall');
    expect(status).toBe(200);
    expect(body.projects.map((t) => [t.project, t.name, t.alias, t.branch, t.build.id, t.build.status])).toEqual([
      [A, 'alpha', 'alpha (team/alpha)', 'main', aFailed, 'failed'],
      [B, 'beta', 'beta (team/beta)', 'other', bQueued, 'queued'],
    ]);
    // A queued build on the default branch takes the tile over (grey), before it has a tag.
    const aQueued = await addBuild(store, REPO_A, A, { status: 'queued', branch: 'main' });
    expect((await get<ApiWall>('/api/wall')).body.projects[0]?.build).toMatchObject({ id: aQueued, status: 'queued', branch: 'main' });
    // Behind the API tokens like the rest of /api.
    expect((await get('/api/wall', null)).status).toBe(401);
  });

  it('lists a project\'s newest builds with durations and its pass rate; 404 for a project never built', async () => {
    const { store } = ctx();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(await addBuild(store, REPO_A, A, { status: i % 3 === 0 ? 'failed' : i === 5 ? 'canceled' : 'passed', branch: 'main', durationMs: 1000 * (i + 1) }));
    }
    await addBuild(store, REPO_B, B, { status: 'passed', branch: 'main' });
    const url = `/api/projects/${encodeURIComponent(A)}/builds`;
    const { status, body } = await get<ApiProjectBuilds>(url);
    expect(status).toBe(200);
    expect(body).toMatchObject({ project: A, name: 'alpha', alias: 'alpha (team/alpha)', passed: 3, failed: 2, pass_rate: 0.6 });
    expect(body.builds.map((b) => b.id)).toEqual([...ids].reverse());
    expect(body.builds.map((b) => b.duration_ms)).toEqual([6000, 5000, 4000, 3000, 2000, 1000]);
    const two = await get<ApiProjectBuilds>(`${url}?limit=2`);
    expect(two.body.builds.map((b) => b.id)).toEqual([ids[5], ids[4]]);
    expect(two.body).toMatchObject({ passed: 1, failed: 0, pass_rate: 1 });

    const missing = await get<{ message: string }>(`/api/projects/${encodeURIComponent(projectId(REPO_A, 'nope'))}/builds`);
    expect(missing).toEqual({ status: 404, body: { message: 'project not found' } });
    for (const bad of ['0', '501', 'x', '-1']) expect((await get(`${url}?limit=${bad}`)).status).toBe(400);
    // Names that are no project: traversal, SQL, unicode; an over-long one is refused before any lookup.
    expect((await get(`/api/projects/${encodeURIComponent(`${A}${'a'.repeat(3000)}`)}/builds`)).status).toBe(414);
    for (const name of ['../../etc/passwd', "x' or '1'='1", 'π__π', `${A}${'a'.repeat(1000)}`]) {
      const res = await get<{ message: string }>(`/api/projects/${encodeURIComponent(name)}/builds`);
      expect({ name: name.slice(0, 40), status: res.status }).toEqual({ name: name.slice(0, 40), status: 404 });
      expect(typeof res.body.message).toBe('string');
    }
  });

  it('counts queue waits and running builds per bucket over the last hours', async () => {
    const { store } = ctx();
    const now = Date.now();
    const iso = (ago: number) => new Date(now - ago).toISOString();
    const hour = 3_600_000;
    // Ran for 20 minutes five hours ago (the queue waits themselves are checked at scale, test/wall/wall-scale.test.ts).
    const old = await store.createBuild({ repo: REPO_A, branch: 'main', trigger: 'api', options: {} });
    await store.updateBuild(old.build.id, { project: A, status: 'passed', startedAt: iso(5 * hour), finishedAt: iso(5 * hour - 20 * 60_000) });
    // Running now, started 2 minutes ago: it counts in the newest bucket.
    const running = await store.createBuild({ repo: REPO_B, branch: 'main', trigger: 'api', options: {} });
    await store.updateBuild(running.build.id, { project: B, status: 'started', startedAt: iso(2 * 60_000) });
    // Finished two days ago: outside the window.
    const older = await store.createBuild({ repo: REPO_B, branch: 'x', trigger: 'api', options: {} });
    await store.updateBuild(older.build.id, { status: 'passed', startedAt: iso(48 * hour), finishedAt: iso(47 * hour) });

    const { status, body } = await get<ApiStats>('/api/stats');
    expect(status).toBe(200);
    expect(body.hours).toBe(24);
    expect(body.bucket_minutes).toBe(15);
    expect(body.buckets.length).toBeGreaterThanOrEqual(96);
    expect(body.buckets.length).toBeLessThanOrEqual(97);
    const starts = body.buckets.map((b) => Date.parse(b.start));
    expect(starts.every((t, i) => i === 0 || t - (starts[i - 1] ?? 0) === 15 * 60_000)).toBe(true);
    const last = body.buckets.at(-1);
    expect(last?.running).toBe(1);
    // Two started in the window; the old one is not counted anywhere.
    expect(body.buckets.reduce((n, b) => n + b.started, 0)).toBe(2);
    expect(Math.max(...body.buckets.map((b) => b.running))).toBe(1);

    const week = await get<ApiStats>('/api/stats?hours=168');
    expect(week.status).toBe(200);
    expect(week.body.bucket_minutes).toBe(105);
    expect(week.body.buckets.reduce((n, b) => n + b.started, 0)).toBe(3);
    expect((await get<ApiStats>('/api/stats?hours=1')).body.buckets.length).toBeLessThanOrEqual(5);
  });

  it('refuses hours that are not a whole number from 1 to 168', async () => {
    for (const bad of ['0', '169', '1000', '-1', '1.5', '24h', 'abc', '', '%20', '1e2', '0x10', 'hours[]=24']) {
      const url = bad.includes('=') ? `/api/stats?${bad}` : `/api/stats?hours=${bad}`;
      const { status, body } = await get<{ message: string }>(url);
      expect({ bad, status, body }).toEqual({ bad, status: 400, body: { message: 'hours must be a whole number from 1 to 168' } });
    }
    expect((await get('/api/stats?hours=168')).status).toBe(200);
    expect((await get('/api/stats', null)).status).toBe(401);
  });
});
