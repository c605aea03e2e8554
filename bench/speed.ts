/**
 * Roger's build path against the plain CLI, side by side over the same smart-HTTP git server
 * (test/helpers/git-server.ts) and registry. Roger: a build requested through the HTTP API of
 * `bin/roger serve`, timed until it is `passed`. The CLI: `git clone --depth 1`, `docker build`,
 * `docker push` (no `--pull`: Roger checks base images once per builds.pullInterval, not every build).
 * Runs are interleaved; medians are compared.
 *  - warm: a small repository rebuilt with every layer cached;
 *  - nocache: the same with `--no-cache` / `options[nocache]=true`;
 *  - burst: 10 repositories at once, Roger with builds.concurrent 5, the CLI 5 at a time.
 * Then the log of one warm build, line by line with the time each step took.
 * The repositories carry a `.dockerignore` of `.git`, so both sides send the same context.
 * Usage: npm run build && npx tsx bench/speed.ts [runs]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { getJson, startServer, type ServerProcess } from '../test/helpers/server.js';
import { fmt, median } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const BASE = '127.0.0.1:5000/busybox:latest';
const BURST = 10;
const work = mkdtempSync(join(tmpdir(), 'roger-bench-speed-'));
const stamp = Date.now().toString(36);

/** Runs a command without blocking the event loop (the git server answers from this process). */
function timed(cmd: string, args: string[]): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${cmd} ${args.join(' ')}: ${code}\n${err}`))));
  });
}

async function cli(url: string, image: string, nocache: boolean): Promise<number> {
  const co = join(work, `co-${Math.random().toString(36).slice(2)}`);
  const start = performance.now();
  await timed('git', ['clone', '-q', '--depth', '1', url, co]);
  await timed('docker', ['build', '-q', ...(nocache ? ['--no-cache'] : []), '-t', image, co]);
  await timed('docker', ['push', '-q', image]);
  const ms = performance.now() - start;
  rmSync(co, { recursive: true, force: true });
  return ms;
}

interface BuildView {
  id: string;
  status: string;
  error: string | null;
}

async function request(server: ServerProcess, url: string, nocache: boolean): Promise<string> {
  const q = `repo=${encodeURIComponent(url)}&branch=master${nocache ? '&options[nocache]=true' : ''}`;
  const { status, body } = await getJson<{ id: string }>(`${server.url}/api/build?${q}`);
  if (status !== 202) throw new Error(`build request answered ${status}`);
  return body.id;
}

async function untilPassed(server: ServerProcess, id: string): Promise<void> {
  for (;;) {
    const { body } = await getJson<{ build: BuildView }>(`${server.url}/api/builds/${id}`);
    if (body.build.status === 'passed') return;
    if (body.build.status !== 'queued' && body.build.status !== 'started') throw new Error(`build ${body.build.status}: ${body.build.error}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function roger(server: ServerProcess, urls: string[], nocache: boolean): Promise<{ ms: number; ids: string[] }> {
  const start = performance.now();
  const ids = await Promise.all(urls.map((u) => request(server, u, nocache)));
  await Promise.all(ids.map((id) => untilPassed(server, id)));
  return { ms: performance.now() - start, ids };
}

/** `jobs` run `limit` at a time. */
async function limited(jobs: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) await jobs[next++]?.();
    }),
  );
}

async function repository(root: string, name: string): Promise<void> {
  await makeBareRepo(root, name, {
    Dockerfile: `FROM ${BASE}\nCOPY . /app\nRUN echo built > /built.txt\n`,
    '.dockerignore': '.git\n',
    'app.txt': 'hello\n',
    'build.yml': `${name}: {}\n`,
  });
}

const ratioLine = (label: string, r: number[], c: number[], target: number): string => {
  const ratio = median(r) / median(c);
  return `${label.padEnd(8)} roger ${fmt(median(r)).padStart(8)}  cli ${fmt(median(c)).padStart(8)}  ratio ${ratio.toFixed(2)}x (target ${target.toFixed(2)}x) ${ratio <= target ? 'met' : 'missed'}  [${runs} interleaved runs]`;
};

/** The warm build's log: each line with the milliseconds since the line before (where the time goes). */
async function breakdown(server: ServerProcess, id: string): Promise<void> {
  const { body } = await getJson<{ build: { created_at: string; started_at: string | null } }>(`${server.url}/api/builds/${id}`);
  const text = await (await fetch(`${server.url}/api/builds/${id}/log`)).text();
  const created = Date.parse(body.build.created_at);
  let previous = body.build.started_at ? Date.parse(body.build.started_at) : created;
  console.log(`\nwarm build ${id}: where the time goes (ms since the previous line)`);
  console.log(`  ${String(previous - created).padStart(5)}  queued -> started`);
  for (const line of text.split('\n')) {
    const m = /^(\S+Z) (.*)$/.exec(line);
    if (!m?.[1]) continue;
    const at = Date.parse(m[1]);
    console.log(`  ${String(at - previous).padStart(5)}  ${(m[2] ?? '').slice(0, 110)}`);
    previous = at;
  }
}

const git = await startGitServer({ root: join(work, 'repos') });
const config = join(work, 'config.yml');
writeFileSync(config, `paths:\n  builds: ${join(work, 'builds')}\nbuilds:\n  concurrent: 5\n  allowedSchemes: [http]\n`);
const server = await startServer(config);
try {
  const names = Array.from({ length: BURST }, (_, i) => `bench-speed-${stamp}-${i}`);
  for (const name of names) await repository(join(work, 'repos'), name);
  const urlOf = (name: string): string => `${git.url}/${name}.git`;
  const imageOf = (name: string): string => `127.0.0.1:5000/${name}:latest`;
  const one = names[0] ?? '';

  const results: string[] = [];
  let warmId = '';
  for (const nocache of [false, true]) {
    // Warm-up: caches, the page cache, the server's first build.
    await cli(urlOf(one), imageOf(one), nocache);
    await roger(server, [urlOf(one)], nocache);
    const r: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < runs; i++) {
      c.push(await cli(urlOf(one), imageOf(one), nocache));
      const run = await roger(server, [urlOf(one)], nocache);
      r.push(run.ms);
      if (!nocache) warmId = run.ids[0] ?? warmId;
    }
    results.push(ratioLine(nocache ? 'nocache' : 'warm', r, c, 1.1));
    console.log(results.at(-1));
  }

  await limited(names.map((n) => () => cli(urlOf(n), imageOf(n), false)), 5);
  await roger(server, names.map(urlOf), false);
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await limited(names.map((n) => () => cli(urlOf(n), imageOf(n), false)), 5);
    c.push(performance.now() - start);
    r.push((await roger(server, names.map(urlOf), false)).ms);
  }
  results.push(ratioLine(`burst`, r, c, 1.05));
  console.log(results.at(-1));
  if (warmId) await breakdown(server, warmId);
} finally {
  await server.stop();
  await git.close();
  for (let i = 0; i < BURST; i++) await timed('docker', ['rmi', '-f', `127.0.0.1:5000/bench-speed-${stamp}-${i}:latest`]).catch(() => 0);
  rmSync(work, { recursive: true, force: true });
}
