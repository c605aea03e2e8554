/**
 * Roger in its container against `bin/roger serve` on the host: image size over its base, start to a
 * healthy /healthz, and the same build end to end (API request to `passed`) through each server,
 * interleaved, with a warm layer cache and with options[nocache]=true.
 * Targets: at most 120 MB over the base, under 2 s to healthy, builds within 1.05x of the host's.
 * Usage: npx tsx bench/container.ts [runs]    (needs `npm run build` for the host's server)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, docker, imageSize, removeContainer } from '../test/container/image.js';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { startServer } from '../test/helpers/server.js';
import { fmt, median } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const work = mkdtempSync(join(tmpdir(), 'roger-bench-container-'));
const name = 'bench-container';
await makeBareRepo(join(work, 'repos'), name, {
  Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\nCOPY . /app\nRUN echo built > /built.txt\n',
  'app.txt': 'hello\n',
  'build.yml': `${name}: {}\n`,
});
const git = await startGitServer({ root: join(work, 'repos') });
const repo = `${git.url}/${name}.git`;
const configYml = (port: number, builds?: string) =>
  `app:\n  port: ${port}\nbuilds:\n  allowedSchemes: [http]\n${builds ? `paths:\n  builds: ${builds}\n` : ''}`;

const { image, base } = await buildImage('roger-test:local');
const added = (await imageSize(image)) - (await imageSize(base));
console.log(`image ${((await imageSize(image)) / 1e6).toFixed(1)} MB = base ${((await imageSize(base)) / 1e6).toFixed(1)} MB + ${(added / 1e6).toFixed(1)} MB (target <= 120 MB)`);

/** Polls every 20 ms: the figures compared here are a few hundred ms apart at most. */
async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const healthy = (url: string) => waitFor(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok, 60_000, 'healthy');
const ids: string[] = [];
async function runContainer(port: number): Promise<{ id: string; url: string; ms: number; fromStartMs: number }> {
  const dir = mkdtempSync(join(work, 'c-'));
  writeFileSync(join(dir, 'config.yml'), configYml(port));
  const t0 = performance.now();
  const id = await docker('run', '-d', '--network', 'host', '-v', `${join(dir, 'config.yml')}:/config.yml`, '-v', `${join(dir, 'db')}:/db`, '-v', '/var/run/docker.sock:/tmp/docker.sock', image);
  ids.push(id);
  const url = `http://127.0.0.1:${port}`;
  await healthy(url);
  const ms = performance.now() - t0;
  // From the moment the engine started the container's process: without docker's own create/start time.
  const fromStartMs = Date.now() - Date.parse(await docker('inspect', '-f', '{{.State.StartedAt}}', id));
  return { id, url, ms, fromStartMs };
}

const starts: number[] = [];
const fromStart: number[] = [];
for (let i = 0; i < 5; i++) {
  const c = await runContainer(17600 + i);
  starts.push(c.ms);
  fromStart.push(c.fromStartMs);
  await removeContainer(c.id);
}
console.log(`docker run to healthy /healthz: median ${fmt(median(starts))} of ${starts.map(fmt).join(', ')} (target < 2000 ms)`);
console.log(`container started to healthy /healthz: median ${fmt(median(fromStart))} of ${fromStart.map(fmt).join(', ')}`);

const container = await runContainer(17610);
const hostConfig = join(work, 'host.yml');
writeFileSync(hostConfig, configYml(0, join(work, 'host-builds')));
const host = await startServer(hostConfig);

async function buildThrough(url: string, nocache: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/build?repo=${encodeURIComponent(repo)}${nocache ? '&options[nocache]=true' : ''}`);
  const { id } = (await res.json()) as { id: string };
  const status = await waitFor(async () => {
    const b = ((await (await fetch(`${url}/api/builds/${id}`)).json()) as { build: { status: string } }).build;
    return b.status === 'passed' || b.status === 'failed' ? b.status : undefined;
  }, 180_000, 'build');
  if (status !== 'passed') throw new Error(`build ${id} ${status}`);
  return performance.now() - t0;
}

try {
  for (const nocache of [false, true]) {
    await buildThrough(host.url, nocache);
    await buildThrough(container.url, nocache);
    const h: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < runs; i++) {
      h.push(await buildThrough(host.url, nocache));
      c.push(await buildThrough(container.url, nocache));
    }
    const ratio = median(c) / median(h);
    console.log(`${nocache ? 'no cache ' : 'warm cache'}: container ${fmt(median(c))}, host ${fmt(median(h))}, ratio ${ratio.toFixed(3)}x (target <= 1.05x)`);
  }
} finally {
  await host.stop();
  for (const id of ids) await removeContainer(id);
  await git.close();
  rmSync(work, { recursive: true, force: true });
}
