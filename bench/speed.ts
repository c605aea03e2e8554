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
 * Usage: npm run build && npx tsx bench/speed.ts [runs] [warm,nocache,burst]
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
/** Which cases to run, comma-separated: warm,nocache,burst (default all). */
const cases = new Set((process.argv[3] ?? 'warm,nocache,burst').split(','));
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

/** The CLI's steps' times, by step, for the breakdown. */
const cliSteps: Record<string, number[]> = { clone: [], build: [], push: [] };

async function cli(url: string, image: string, nocache: boolean, record = false): Promise<number> {
  const co = join(work, `co-${Math.random().toString(36).slice(2)}`);
  const clone = await timed('git', ['clone', '-q', '--depth', '1', url, co]);
  const build = await timed('docker', ['build', '-q', ...(nocache ? ['--no-cache'] : []), '-t', image, co]);
  const push = await timed('docker', ['push', '-q', image]);
  rmSync(co, { recursive: true, force: true });
  if (record) {
    cliSteps.clone?.push(clone);
    cliSteps.build?.push(build);
    cliSteps.push?.push(push);
  }
  return clone + build + push;
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

/**
 * Where a warm build's time goes, from its log's timestamps: the median of each phase over the warm
 * runs, beside the CLI's own steps; then one build's log line by line.
 */
const PHASES: [string, RegExp][] = [
  ['checkout (fetch + checkout)', /^Checked out /],
  ['build.yml + plan', /^Building /],
  ['base image check', /^Base image /],
  ['context upload to first step', /^Step 1\//],
  ['build steps', /^Successfully built /],
  ['tag + push', /^Pushed /],
  ['closing lines', /^Build passed in /],
];

async function timeline(server: ServerProcess, id: string): Promise<{ phases: Map<string, number>; lines: [number, string][] }> {
  const { body } = await getJson<{ build: { created_at: string; started_at: string | null; updated_at: string } }>(`${server.url}/api/builds/${id}`);
  const text = await (await fetch(`${server.url}/api/builds/${id}/log`)).text();
  const created = Date.parse(body.build.created_at);
  const started = body.build.started_at ? Date.parse(body.build.started_at) : created;
  const phases = new Map<string, number>([['queued -> started', started - created]]);
  const lines: [number, string][] = [];
  let previous = started;
  let phaseStart = started;
  let phase = 0;
  for (const line of text.split('\n')) {
    const m = /^(\S+Z) (.*)$/.exec(line);
    if (!m?.[1]) continue;
    const at = Date.parse(m[1]);
    const rest = m[2] ?? '';
    lines.push([at - previous, rest]);
    previous = at;
    const next = PHASES[phase];
    if (next && next[1].test(rest)) {
      phases.set(next[0], at - phaseStart);
      phaseStart = at;
      phase++;
    }
  }
  phases.set('status recorded', Date.parse(body.build.updated_at) - phaseStart);
  return { phases, lines };
}

async function breakdown(server: ServerProcess, ids: string[]): Promise<void> {
  const all = await Promise.all(ids.map((id) => timeline(server, id)));
  console.log(`\nwarm build, median of ${ids.length} runs per phase (ms), from the log's timestamps:`);
  for (const name of ['queued -> started', ...PHASES.map((p) => p[0]), 'status recorded']) {
    const values = all.flatMap((t) => (t.phases.has(name) ? [t.phases.get(name) ?? 0] : []));
    console.log(`  ${fmt(median(values)).padStart(8)}  ${name}`);
  }
  console.log('the CLI, median per step (ms):');
  for (const [name, values] of Object.entries(cliSteps)) console.log(`  ${fmt(median(values)).padStart(8)}  ${name}`);
  const last = all.at(-1);
  if (!last) return;
  console.log(`one warm build's log (ms since the previous line):`);
  for (const [ms, line] of last.lines) console.log(`  ${String(ms).padStart(5)}  ${line.slice(0, 110)}`);
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
  const warmIds: string[] = [];
  for (const nocache of [false, true].filter((n) => cases.has(n ? 'nocache' : 'warm'))) {
    // Warm-up: caches, the page cache, the server's first build.
    await cli(urlOf(one), imageOf(one), nocache);
    await roger(server, [urlOf(one)], nocache);
    const r: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < runs; i++) {
      c.push(await cli(urlOf(one), imageOf(one), nocache, !nocache));
      const run = await roger(server, [urlOf(one)], nocache);
      r.push(run.ms);
      if (!nocache) warmIds.push(...run.ids);
    }
    results.push(ratioLine(nocache ? 'nocache' : 'warm', r, c, 1.1));
    console.log(results.at(-1));
  }

  if (cases.has('burst')) {
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
  }
  if (warmIds.length > 0) await breakdown(server, warmIds);
} finally {
  await server.stop();
  await git.close();
  for (let i = 0; i < BURST; i++) await timed('docker', ['rmi', '-f', `127.0.0.1:5000/bench-speed-${stamp}-${i}:latest`]).catch(() => 0);
  rmSync(work, { recursive: true, force: true });
}
