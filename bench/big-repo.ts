/**
 * A big repository (1,000 files of 20 KB, 150 commits of history) served over smart HTTP: the second
 * and later builds of a new commit requested through the API until `passed` (Roger with its git cache),
 * against the plain CLI doing `git clone --depth 1`, `docker build`, `docker push` over the same server.
 * The image uses a small part of the tree (`.dockerignore` keeps the rest and `.git` out of the context,
 * for both), so the git part is what differs. Also the git part alone: the adapter's checkout from its
 * warm mirror (handing the worktree back afterwards, as a build does, untimed like the CLI's `rm`)
 * against `git clone --depth 1`. Runs interleaved; medians.
 * Usage: npx tsx bench/big-repo.ts [runs]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { nullLog } from '../src/core/log.js';
import { createGit } from '../src/git/cli.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { getJson, startServer, type ServerProcess } from '../test/helpers/server.js';
import { fmt, median } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const work = mkdtempSync(join(tmpdir(), 'roger-bench-big-'));
const BASE = '127.0.0.1:5000/busybox:latest';
const name = 'bench-big';
const image = `127.0.0.1:5000/${name}:latest`;

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** 20 KB of text that compresses about as well as source code does not: random hex. */
const content = (): string => randomBytes(10 * 1024).toString('hex');

let tick = 1_700_000_000;
/**
 * A `git fast-import` commit on master changing `files`. Within one stream each commit follows the
 * previous one; `onTip` starts from master as the repository has it (a later import).
 */
function commitStream(files: Record<string, string>, message: string, onTip = false): string {
  const parts = [`commit refs/heads/master`, `committer Bench <bench@example.com> ${tick++} +0000`, `data ${Buffer.byteLength(message)}`, message];
  if (onTip) parts.push('from refs/heads/master^0');
  for (const [path, text] of Object.entries(files)) parts.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(text)}`, text);
  return `${parts.join('\n')}\n\n`;
}

/** One fast-import process writes the commits straight into the served bare repository. */
function importCommits(bare: string, stream: string): void {
  execFileSync('git', ['fast-import', '--quiet', '--force'], { cwd: bare, env: gitEnv, input: stream, maxBuffer: 1 << 30 });
}

function makeRepository(): string {
  const bare = join(work, 'repos', `${name}.git`);
  mkdirSync(bare, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'master'], { cwd: bare, env: gitEnv });
  const first: Record<string, string> = {
    Dockerfile: `FROM ${BASE}\nCOPY service/ /app/\n`,
    '.dockerignore': '.git\nfiles\n',
    'build.yml': `${name}:\n  registry: 127.0.0.1:5000\n`,
    'service/version.txt': '0\n',
  };
  for (let i = 0; i < 1000; i++) first[`files/f${i}.txt`] = content();
  let stream = commitStream(first, 'commit 0');
  // 149 more commits, each rewriting a few of the files: history the CLI's shallow clone never needs.
  for (let c = 1; c < 150; c++) {
    const changed: Record<string, string> = {};
    for (let k = 0; k < 5; k++) changed[`files/f${(c * 7 + k * 131) % 1000}.txt`] = content();
    stream += commitStream(changed, `commit ${c}`);
  }
  importCommits(bare, stream);
  execFileSync('git', ['repack', '-a', '-d', '-q'], { cwd: bare, env: gitEnv });
  return bare;
}

let version = 0;
/** A new commit on master touching one big file and the service: what each measured build builds. */
function push(bare: string): void {
  version++;
  importCommits(bare, commitStream({ [`files/f${version % 1000}.txt`]: content(), 'service/version.txt': `${version}\n` }, `change ${version}`, true));
}

/** Like `timed`, without blocking this process: the git server answering the commands runs in it. */
function timedAsync(cmd: string, args: string[]): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${err}`))));
  });
}

async function requestUntilPassed(server: ServerProcess, repo: string): Promise<number> {
  const start = performance.now();
  const { body } = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=master`);
  for (;;) {
    const { body: b } = await getJson<{ build: { status: string; error: string | null } }>(`${server.url}/api/builds/${body.id}`);
    if (b.build.status === 'passed') return performance.now() - start;
    if (b.build.status !== 'queued' && b.build.status !== 'started') throw new Error(`build ${b.build.status}: ${b.build.error}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function cloneShallow(repo: string): Promise<{ ms: number; dir: string }> {
  const dir = join(work, `co-${randomBytes(4).toString('hex')}`);
  return { ms: await timedAsync('git', ['clone', '-q', '--depth', '1', '--branch', 'master', repo, dir]), dir };
}

async function cliBuild(repo: string): Promise<number> {
  const co = await cloneShallow(repo);
  let ms = co.ms;
  ms += await timedAsync('docker', ['build', '-q', '--pull', '-t', image, co.dir]);
  ms += await timedAsync('docker', ['push', '-q', image]);
  rmSync(co.dir, { recursive: true, force: true });
  return ms;
}

async function main(): Promise<void> {
  const t = performance.now();
  const bare = makeRepository();
  console.log(`made the repository (1,000 files of 20 KB, 150 commits) in ${fmt(performance.now() - t)}`);
  const gitServer = await startGitServer({ root: join(work, 'repos') });
  const repo = `${gitServer.url}/${name}.git`;
  const config = join(work, 'config.yml');
  writeFileSync(config, `paths:\n  builds: ${join(work, 'builds')}\nbuilds:\n  concurrent: 1\n  allowedSchemes: [http]\n`);
  const server = await startServer(config);
  // The git part alone, through the same adapter and a cache of its own (a server's with builds.concurrent: 1).
  const adapter = createGit({ cache: { dir: join(work, 'adapter-cache'), maxBytes: null, pool: 1 } });
  const adapterCheckout = async (): Promise<number> => {
    const dir = join(work, `ws-${randomBytes(4).toString('hex')}`);
    const start = performance.now();
    await adapter.checkout({ url: repo, ref: 'master', dir, log: nullLog });
    const ms = performance.now() - start;
    await adapter.release({ url: repo, dir });
    rmSync(dir, { recursive: true, force: true });
    return ms;
  };
  try {
    // First builds: the mirrors are made, images and layers exist; not measured.
    await cliBuild(repo);
    await requestUntilPassed(server, repo);
    await adapterCheckout();
    const cli: number[] = [];
    const cliGit: number[] = [];
    const roger: number[] = [];
    const rogerGit: number[] = [];
    for (let i = 0; i < runs; i++) {
      push(bare);
      cli.push(await cliBuild(repo));
      push(bare);
      roger.push(await requestUntilPassed(server, repo));
      push(bare);
      const shallow = await cloneShallow(repo);
      cliGit.push(shallow.ms);
      rmSync(shallow.dir, { recursive: true, force: true });
      rogerGit.push(await adapterCheckout());
    }
    const ratio = (a: number[], b: number[]): string => `${(median(a) / median(b)).toFixed(2)}x`;
    console.log(`build of a new commit  roger (API until passed) ${fmt(median(roger))}  cli ${fmt(median(cli))}  ratio ${ratio(roger, cli)} (target <= 0.6x)  (${runs} runs each, interleaved)`);
    console.log(`git part alone          roger checkout from its mirror ${fmt(median(rogerGit))}  git clone --depth 1 ${fmt(median(cliGit))}  ratio ${ratio(rogerGit, cliGit)}`);
  } finally {
    await server.stop();
    await gitServer.close();
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
