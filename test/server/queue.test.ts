import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { startDockerProxy } from '../helpers/docker-proxy.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, readUntil, startServer, waitFor } from '../helpers/server.js';

interface Build {
  id: string;
  status: string;
  error: string | null;
  started_at: string | null;
}
type Builds = { builds: Build[] };

const FINISHED = ['passed', 'failed', 'canceled'];

describe('queue, concurrency and recovery', () => {
  let quick: string;
  let slow: string;
  // Three repositories: builds of one branch supersede each other, so FIFO is shown across repositories.
  const fifo: string[] = [];
  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'roger-queue-'));
    const name = `queue-${uniq()}`;
    quick = `file://${(await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN sleep 1\n`, 'build.yml': `${name}: {}\n` })).dir}`;
    for (const n of [1, 2, 3]) {
      fifo.push(`file://${(await makeBareRepo(root, `${name}-${n}`, { Dockerfile: `FROM ${BASE}\nRUN sleep 1\n`, 'build.yml': `${name}-${n}: {}\n` })).dir}`);
    }
    slow = `file://${(await makeBareRepo(root, `${name}-slow`, { Dockerfile: `FROM ${BASE}\nRUN sleep 60 && echo ${name}\n`, 'build.yml': `${name}-slow: {}\n` })).dir}`;
  });

  it('runs at most builds.concurrent builds at once, in FIFO order', async () => {
    const { file } = testConfig('builds:\n  concurrent: 1\n  allowedSchemes: [file]\n');
    const server = await startServer(file);
    try {
      const ids: string[] = [];
      for (const repo of fifo) {
        ids.push((await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&options[nocache]=true`)).body.id);
      }
      let maxStarted = 0;
      const all = await waitFor(async () => {
        const { body } = await getJson<Builds>(`${server.url}/api/builds?limit=10`);
        const mine = body.builds.filter((b) => ids.includes(b.id));
        maxStarted = Math.max(maxStarted, mine.filter((b) => b.status === 'started').length);
        return mine.every((b) => FINISHED.includes(b.status)) ? mine : undefined;
      }, 120_000);
      expect(maxStarted).toBe(1);
      expect(all.every((b) => b.status === 'passed')).toBe(true);
      const order = [...all].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? '')).map((b) => b.id);
      expect(order).toEqual(ids);
    } finally {
      await server.stop();
    }
  });

  it('records 200 simultaneous requests, loses none, respects the limit', async () => {
    const { file } = testConfig('builds:\n  concurrent: 2\n  allowedSchemes: [file]\n');
    const server = await startServer(file);
    try {
      const missing = `file:///nonexistent/roger-${uniq()}`;
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(missing)}`)),
      );
      expect(answers.every((a) => a.status === 202)).toBe(true);
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(200);
      let maxStarted = 0;
      await waitFor(async () => {
        const { body } = await getJson<Builds>(`${server.url}/api/builds?limit=500`);
        const mine = body.builds.filter((b) => ids.has(b.id));
        maxStarted = Math.max(maxStarted, mine.filter((b) => b.status === 'started').length);
        return mine.length === 200 && mine.every((b) => FINISHED.includes(b.status));
      }, 120_000);
      expect(maxStarted).toBeLessThanOrEqual(2);
    } finally {
      await server.stop();
    }
  });

  it('after kill -9, takes the running build back at once as attempt 2, and still runs the queued one', async () => {
    const { file } = testConfig('builds:\n  concurrent: 1\n  allowedSchemes: [file]\n');
    const first = await startServer(file);
    const running = (await getJson<{ id: string }>(`${first.url}/api/build?repo=${encodeURIComponent(slow)}`)).body.id;
    const queued = (await getJson<{ id: string }>(`${first.url}/api/build?repo=${encodeURIComponent(quick)}`)).body.id;
    await readUntil(`${first.url}/api/builds/${running}/log`, 'RUN sleep 60');
    await first.kill9();
    const second = await startServer(file);
    try {
      // Nothing was pushed, so the build runs again rather than failing; no lease wait on restart.
      const again = (await getJson<{ build: Build & { attempt: number } }>(`${second.url}/api/builds/${running}`)).body.build;
      expect(['queued', 'started']).toContain(again.status);
      expect(again.attempt).toBe(2);
      // The log written before the crash is still there, with the reason it runs again.
      const log = await readUntil(`${second.url}/api/builds/${running}/log`, 'Re-queued as attempt 2');
      expect(log).toContain('RUN sleep 60');
      expect((await getJson(`${second.url}/api/builds/${running}/cancel`, { method: 'POST' })).status).toBe(202);
      const ran = await waitFor(async () => {
        const b = (await getJson<{ build: Build }>(`${second.url}/api/builds/${queued}`)).body.build;
        return FINISHED.includes(b.status) ? b : undefined;
      }, 60_000);
      expect(ran.status).toBe('passed');
    } finally {
      await second.stop();
    }
  });

  it('on SIGTERM stops taking requests, lets a running build finish, and exits 0', async () => {
    const { file } = testConfig('builds:\n  allowedSchemes: [file]\n');
    const server = await startServer(file);
    const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(quick)}&options[nocache]=true`)).body.id;
    await readUntil(`${server.url}/api/builds/${id}/log`, 'RUN sleep 1');
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/shutting down/);
    const restarted = await startServer(file);
    try {
      const b = (await getJson<{ build: Build }>(`${restarted.url}/api/builds/${id}`)).body.build;
      expect(b.status).toBe('passed');
    } finally {
      await restarted.stop();
    }
  });

  it('a follower that went away from a running build does not hold up shutdown; the build is interrupted', async () => {
    const { file } = testConfig('builds:\n  allowedSchemes: [file]\n  shutdownGrace: 1\n');
    const server = await startServer(file);
    const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(slow)}&options[nocache]=true`)).body.id;
    // The web UI on a running build's page, closed before the server stops.
    await readUntil(`${server.url}/api/builds/${id}/log`, 'RUN sleep 60');
    const started = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const restarted = await startServer(file);
    try {
      const b = (await getJson<{ build: Build }>(`${restarted.url}/api/builds/${id}`)).body.build;
      expect(b.status).toBe('failed');
      expect(b.error).toMatch(/interrupted/);
    } finally {
      await restarted.stop();
    }
  });

  it('a log follower of a build that will not run here does not hold up shutdown', async () => {
    const { file } = testConfig('builds:\n  concurrent: 0\n  allowedSchemes: [file]\n');
    const server = await startServer(file);
    const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(quick)}`)).body.id;
    const res = await fetch(`${server.url}/api/builds/${id}/log`);
    expect(res.status).toBe(200);
    const reading = res.text().catch(() => '');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await reading;
  });

  it('fails a build clearly when the engine goes away, and keeps serving', async () => {
    const proxy = await startDockerProxy();
    const { file } = testConfig(`builds:\n  allowedSchemes: [file]\ndocker:\n  client:\n    socketPath: ${proxy.socketPath}\n`);
    const server = await startServer(file);
    try {
      const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(slow)}`)).body.id;
      await readUntil(`${server.url}/api/builds/${id}/log`, 'RUN sleep 60');
      await proxy.close();
      const b = await waitFor(async () => {
        const x = (await getJson<{ build: Build }>(`${server.url}/api/builds/${id}`)).body.build;
        return FINISHED.includes(x.status) ? x : undefined;
      }, 30_000);
      expect(b.status).toBe('failed');
      expect(b.error).toMatch(/docker|engine/i);
      expect((await getJson(`${server.url}/api/builds`)).status).toBe(200);
      expect((await getJson(`${server.url}/healthz`)).status).toBe(503);
    } finally {
      await server.stop();
    }
  });

  it('requires a bearer token on /api when app.auth.tokens is set', async () => {
    // Unsigned webhooks stay open by explicit choice, so the hook route can show it is not behind the token.
    const { file } = testConfig('app:\n  auth:\n    tokens: [s3cret-token-1]\ngithub:\n  allowUnsigned: true\n');
    const server = await startServer(file);
    try {
      expect((await fetch(`${server.url}/api/builds`)).status).toBe(401);
      expect((await fetch(`${server.url}/api/builds`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${server.url}/%61pi/builds`)).status).not.toBe(200);
      expect((await fetch(`${server.url}/api/builds`, { headers: { authorization: 'Bearer s3cret-token-1' } })).status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/public/api/hooks/github`, { method: 'POST' })).status).not.toBe(401);
    } finally {
      await server.stop();
    }
  });
});
