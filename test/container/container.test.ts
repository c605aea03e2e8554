import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson, waitFor } from '../helpers/server.js';
import { ROOT, buildImage, docker, ensureCompose, imageSize, removeContainer, run } from './image.js';

interface Build {
  id: string;
  status: string;
  error: string | null;
}

const SOCKET = '/var/run/docker.sock';
const MB = 1e6;

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Roger's image, built from this checkout on a local Node 20 base, run as the announcement runs it:
 * the socket at /tmp/docker.sock, config at /config.yml, /db and the logs directory mounted. The
 * engine here gives containers no bridge network, so the container shares the host's (--network host)
 * and listens on the config's app.port instead of `-p 6600:6600`.
 */
describe('Roger in its container', () => {
  // A fixed tag keeps the image (and its layers, the next run's cache) between runs.
  const tag = 'roger-test:local';
  const name = `ct-${uniq()}`;
  let image = '';
  let base = '';
  let dir = '';
  let git: GitServer;
  const containers: string[] = [];

  beforeAll(async () => {
    ({ image, base } = await buildImage(tag));
    dir = await mkdtemp(join(tmpdir(), 'roger-container-'));
    const repos = join(dir, 'repos');
    await makeBareRepo(repos, name, { Dockerfile: `FROM ${BASE}\nRUN echo built-in-a-container ${name}\n`, 'build.yml': `${name}: {}\n` });
    await makeBareRepo(repos, `${name}-slow`, { Dockerfile: `FROM ${BASE}\nRUN echo ${name} && sleep 120\n`, 'build.yml': `${name}-slow: {}\n` });
    git = await startGitServer({ root: repos });
  }, 45 * 60_000);

  afterAll(async () => {
    for (const id of containers) await removeContainer(id);
    await git?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `docker run -d` as the announcement does; returns the container id and Roger's URL. */
  async function startRoger(label: string): Promise<{ id: string; url: string; db: string; startMs: number }> {
    const port = await freePort();
    const db = join(dir, `${label}-db`);
    const logs = join(dir, `${label}-logs`);
    const config = join(dir, `${label}.yml`);
    await writeFile(config, `app:\n  port: ${port}\n  defaultRegistry: 127.0.0.1:5000\nbuilds:\n  allowedSchemes: [http]\n`);
    const started = Date.now();
    const id = await docker(
      'run', '-d', '--network', 'host',
      '-v', `${logs}:/tmp/roger-builds/logs`, '-v', `${db}:/db`, '-v', `${config}:/config.yml`, '-v', `${SOCKET}:/tmp/docker.sock`,
      image,
    );
    containers.push(id);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok, 60_000, 'a healthy /healthz');
    return { id, url, db, startMs: Date.now() - started };
  }

  const build = async (url: string, id: string): Promise<Build> => (await getJson<{ build: Build }>(`${url}/api/builds/${id}`)).body.build;

  it('builds a repository through its API and pushes the image, as a non-root user, logging JSON', async () => {
    const roger = await startRoger('main');
    console.log(`[container] start to healthy /healthz: ${roger.startMs} ms`);
    const res = await getJson<{ id: string; message: string }>(`${roger.url}/api/build?repo=${encodeURIComponent(`${git.url}/${name}.git`)}`);
    expect(res.status).toBe(202);
    const done = await waitFor(async () => {
      const b = await build(roger.url, res.body.id);
      return b.status === 'passed' || b.status === 'failed' ? b : undefined;
    }, 180_000, 'the build to finish');
    expect(done).toMatchObject({ status: 'passed' });
    expect(await inRegistry(name, 'latest')).toBe(true);
    const log = await (await fetch(`${roger.url}/api/builds/${res.body.id}/log`)).text();
    expect(log).toContain(`built-in-a-container ${name}`);

    // Roger's process runs as `roger` (uid 10001), not root; only tini (PID 1) keeps root.
    const top = await docker('top', roger.id, '-eo', 'pid,uid,args');
    const rogerLine = top.split('\n').find((l) => l.includes('/app/bin/roger'));
    expect(rogerLine?.trim().split(/\s+/)[1]).toBe('10001');

    // Every line on stdout is a JSON record (pino).
    const stdout = await docker('logs', roger.id);
    const records = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { msg?: string });
    expect(records.some((r) => r.msg?.startsWith('Roger running on port'))).toBe(true);

    // The image's own HEALTHCHECK command reports healthy.
    const test = JSON.parse(await docker('image', 'inspect', '-f', '{{json .Config.Healthcheck.Test}}', image)) as string[];
    expect(test[0]).toBe('CMD');
    const health = await run('docker', ['exec', roger.id, ...test.slice(1)]);
    expect(health.code).toBe(0);

    const labels = JSON.parse(await docker('image', 'inspect', '-f', '{{json .Config.Labels}}', image)) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe('test');
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
    expect(labels['org.opencontainers.image.version']).toMatch(/^\d+\.\d+\.\d+/);

    const added = (await imageSize(image)) - (await imageSize(base));
    console.log(`[container] image ${((await imageSize(image)) / MB).toFixed(1)} MB, base ${((await imageSize(base)) / MB).toFixed(1)} MB, added ${(added / MB).toFixed(1)} MB`);
    expect(added).toBeLessThanOrEqual(120 * MB);
  });

  it('on docker stop mid-build exits within the grace period and records the build interrupted', async () => {
    const roger = await startRoger('stop');
    const res = await getJson<{ id: string }>(`${roger.url}/api/build?repo=${encodeURIComponent(`${git.url}/${name}-slow.git`)}`);
    expect(res.status).toBe(202);
    await waitFor(async () => (await build(roger.url, res.body.id)).status === 'started', 60_000, 'the build to start');
    // Well inside the RUN step's sleep.
    await new Promise((r) => setTimeout(r, 4000));
    const t0 = Date.now();
    await docker('stop', roger.id); // docker's default: SIGTERM, SIGKILL after 10 s
    const stopMs = Date.now() - t0;
    console.log(`[container] docker stop during a build: ${stopMs} ms`);
    const state = JSON.parse(await docker('inspect', '-f', '{{json .State}}', roger.id)) as { ExitCode: number };
    const logs = await run('docker', ['logs', '-t', roger.id]);
    expect([0, 143], `${logs.stdout}\n${logs.stderr}`).toContain(state.ExitCode);
    expect(stopMs).toBeLessThan(10_000);
    expect(await docker('logs', roger.id)).toContain('"msg":"stopped"');

    const db = new Database(join(roger.db, 'roger.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT status, error FROM builds WHERE id = ?').get(res.body.id) as { status: string; error: string | null };
      expect(row.status).toBe('failed');
      expect(row.error).toMatch(/interrupted/);
    } finally {
      db.close();
    }
  });

  describe('bad mounts and configs: a clear error and a non-zero exit', () => {
    const once = (...args: string[]) => run('docker', ['run', '--rm', '--network', 'none', ...args, image], { timeoutMs: 60_000 });

    it('no socket mounted', async () => {
      const r = await once();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no Docker socket at /tmp/docker.sock');
    });

    it('a socket the user may not read and write', async () => {
      const path = join(dir, 'private.sock');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(path, resolve));
      try {
        await chmod(path, 0o600);
        const r = await once('-v', `${path}:/tmp/docker.sock`);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/the Docker socket \/tmp\/docker\.sock \(srw-------, owner 0:0\) cannot be read and written by uid 10001/);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('a read-only /db', async () => {
      const db = join(dir, 'ro-db');
      await mkdir(db, { recursive: true });
      const r = await once('-v', `${SOCKET}:/tmp/docker.sock`, '-v', `${db}:/db:ro`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('/db is read-only');
    });

    it('/config.yml missing on the host (docker mounts an empty directory)', async () => {
      const r = await once('-v', `${SOCKET}:/tmp/docker.sock`, '-v', `${join(dir, 'no-such-config.yml')}:/config.yml`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('/config.yml is a directory, not a config file');
    });

    it('/config.yml invalid: the line, exit 2', async () => {
      const config = join(dir, 'invalid.yml');
      await writeFile(config, 'app:\n  port: 6600\n  prot: 1\n');
      const r = await once('-v', `${SOCKET}:/tmp/docker.sock`, '-v', `${config}:/config.yml`);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toContain('/config.yml:3:3');
    });
  });

  it("validates the repository's own build.yml, with which Roger builds Roger", async () => {
    const r = await run('docker', ['run', '--rm', '--network', 'none', '-v', `${join(ROOT, 'build.yml')}:/src/build.yml:ro`, image, 'validate', '/src/build.yml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('compose.yaml is valid, with the postgres profile adding PostgreSQL and an agent, and its Roger starts and answers', async () => {
    await ensureCompose();
    const compose = (env: Record<string, string>, ...args: string[]) =>
      run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'docker-compose', '-f', join(ROOT, 'compose.yaml'), ...args], { timeoutMs: 120_000 });
    const config = await compose({}, 'config');
    expect(config.code, config.stderr).toBe(0);
    const services = (parse(config.stdout) as { services: Record<string, { profiles?: string[]; volumes?: string[] }> }).services;
    expect(Object.keys(services).sort()).toEqual(['agent', 'postgres', 'registry', 'roger']);
    expect(services.roger?.profiles).toBeUndefined();
    expect(services.registry?.profiles).toBeUndefined();
    expect(services.agent?.profiles).toEqual(['postgres']);
    expect(services.postgres?.profiles).toEqual(['postgres']);
    expect(JSON.stringify(services.roger?.volumes)).toContain('/tmp/docker.sock');
    expect(JSON.stringify(services.agent?.volumes)).toContain('/tmp/docker.sock');

    // No image can be pulled here (registry:2, postgres:15), so Roger's own service starts alone.
    const port = await freePort();
    const env = { ROGER_IMAGE: image, ROGER_PORT: String(port), COMPOSE_PROJECT_NAME: `roger${uniq()}` };
    try {
      const up = await compose(env, 'up', '-d', '--no-deps', '--no-build', 'roger');
      expect(up.code, up.stderr).toBe(0);
      const res = await waitFor(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return r?.ok ? ((await r.json()) as { status: string }) : undefined;
      }, 60_000, 'the compose service to answer');
      expect(res.status).toBe('ok');
    } finally {
      await compose(env, 'down', '-v', '--timeout', '10');
    }
  });
});
