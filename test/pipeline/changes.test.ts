import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildOptions, BuildRecord } from '../../src/core/build.js';
import { defaultProject } from '../../src/buildfile/interpret.js';
import type { Config } from '../../src/core/config.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createGit } from '../../src/git/cli.js';
import { mirrorPath } from '../../src/git/mirror.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { statusFor } from '../../src/notify/github-status.js';
import { pathSkips, projectSkip } from '../../src/pipeline/changes.js';
import { checkout } from '../../src/pipeline/checkout.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import type { PipelineDeps } from '../../src/pipeline/types.js';
import { testConfig } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const exec = promisify(execFile);
const BRANCH_PUSH: BuildOptions = { webhook: { refType: 'branch' } };
const BUILD_YML = [
  'api:\n  paths: [api/**]',
  'bulk:\n  paths: [bulk/]',
  'docs:\n  paths-ignore: [bulk/**]',
  'plain: {}',
].join('\n') + '\n';

/**
 * One commit of `count` new files under bulk/ on master, written straight into the bare repository.
 * They share one blob: the diff still names every path, and the fixture costs little on a busy machine.
 */
async function commitMany(dir: string, parent: string, count: number): Promise<void> {
  const parts = ['blob', 'mark :1', 'data 2', 'x\n', 'commit refs/heads/master', 'committer Roger Test <t@example.com> 1700000000 +0000', 'data 11', 'many files\n', `from ${parent}`];
  for (let i = 0; i < count; i++) parts.push(`M 100644 :1 bulk/d${i % 100}/file-${i}.txt`);
  await new Promise<void>((resolve, reject) => {
    const child = execFile('git', ['fast-import', '--quiet'], { cwd: dir }, (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(`${parts.join('\n')}\n`);
  });
  await exec('git', ['update-server-info'], { cwd: dir });
}

/** The real checkout stage, then the changes stage, against the git server; `base` is the last passed commit. */
describe('changed-path filters against a real git server', () => {
  let root: string;
  let server: GitServer;
  let config: Config;
  const work: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-changes-'));
    server = await startGitServer({ root });
    config = testConfig('builds:\n  allowedSchemes: [http, https]\n').config;
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
    for (const dir of work) await rm(dir, { recursive: true, force: true });
  });

  /** `base`: the last passed commit of every project, or of each by its id. */
  async function skipsFor(name: string, base: string | undefined | ((project: string) => string | undefined), options: BuildOptions = BRANCH_PUSH, git = createGit()) {
    const lines: string[] = [];
    const asked: string[] = [];
    const deps: PipelineDeps = {
      engine: createFakeEngine(),
      git,
      config,
      pushLock: new KeyedLock(),
      history: { lastPassedCommit: async (project) => (asked.push(project), typeof base === 'function' ? base(project) : base) },
    };
    const workDir = await mkdtemp(join(tmpdir(), 'roger-changes-ws-'));
    work.push(workDir);
    const req = { repo: `${server.url}/${name}.git`, ref: 'master', options, workDir, log: createLineLog((l) => lines.push(l)), signal: new AbortController().signal };
    const co = await checkout(deps, req);
    const started = performance.now();
    const skips = await pathSkips(deps, co, req);
    return { skips, ms: performance.now() - started, log: lines.join(''), asked };
  }

  it('a 10,000-file push: fetch, diff and filter stay fast, and each project gets its own verdict', async () => {
    const { dir, sha: base } = await makeBareRepo(root, 'big', { 'build.yml': BUILD_YML, 'api/main.go': 'package main\n', Dockerfile: 'FROM scratch\n' });
    await commitMany(dir, base, 10_000);
    const { skips, ms, log, asked } = await skipsFor('big', base);
    console.log(`changes stage for a 10,000-file push (fetch base + diff + filter 3 projects): ${ms.toFixed(0)} ms`);
    expect(asked.sort()).toEqual([`${server.url}/big.git__api`, `${server.url}/big.git__bulk`, `${server.url}/big.git__docs`]);
    expect(skips.get('api')).toBe(`no changed file matches paths (10000 files changed since ${base.slice(0, 12)})`);
    expect(skips.get('docs')).toBe(`every changed file matches paths-ignore (10000 files changed since ${base.slice(0, 12)})`);
    expect(skips.has('bulk')).toBe(false);
    expect(skips.has('plain')).toBe(false);
    expect(log).toContain('10000 files changed since');
    expect(log).toContain('… and 9980 more');
    // Typically well under a second; the bound only catches a stage gone quadratic.
    expect(ms).toBeLessThan(30_000);
  });

  it('diffs projects built at different commits in one git process, whatever the changed paths are named', async () => {
    const yml = ['one:\n  paths: [one/**]', 'two:\n  paths: [two/**]', 'three:\n  paths: [three/**]'].join('\n') + '\n';
    const { dir, sha: c0 } = await makeBareRepo(root, 'many-bases', { 'build.yml': yml, 'two/x': 'v0\n' });
    // Paths that look like what the output's other tokens look like: status letters, a commit id, a newline.
    const c1 = await commitFiles(dir, { M: 'm\n', A: 'a\n', [c0]: 'named after a base\n', 'odd\nname': 'nl\n' });
    const c2 = await commitFiles(dir, { 'two/x': 'v1\n' });
    // Back to v0: the head's tree is c1's again, so nothing changed since c1.
    await commitFiles(dir, { 'two/x': 'v0\n' });
    const bases: Record<string, string> = { one: c0, two: c2.sha, three: c1.sha };
    // Every git the stage starts, through a wrapper first on PATH that notes its arguments.
    const wrapper = await mkdtemp(join(tmpdir(), 'roger-git-wrapper-'));
    work.push(wrapper);
    const calls = join(wrapper, 'calls');
    const real = (await exec('sh', ['-c', 'command -v git'])).stdout.trim();
    await writeFile(join(wrapper, 'git'), `#!/bin/sh\necho "$1" >> '${calls}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${wrapper}:${path ?? ''}`;
    let result;
    try {
      result = await skipsFor('many-bases', (project) => bases[project.split('__').pop() ?? '']);
    } finally {
      process.env.PATH = path;
    }
    const { skips, log } = result;
    const commands = (await readFile(calls, 'utf8')).split('\n').filter(Boolean);
    expect(commands.filter((c) => c === 'diff' || c === 'diff-tree')).toEqual(['diff-tree']);
    expect(skips.get('one')).toBe(`no changed file matches paths (4 files changed since ${c0.slice(0, 12)})`);
    expect(skips.has('two')).toBe(false);
    expect(skips.get('three')).toBe(`no changed file matches paths (0 files changed since ${c1.sha.slice(0, 12)})`);
    expect(log).toContain(`1 file changed since ${c2.sha.slice(0, 12)}:`);
    for (const path of ['two/x', 'M', 'A', c0]) expect(log).toContain(`  ${path}\n`);
    // The log writes a path's newline as a line break of its own.
    expect(log).toMatch(/ {2}odd\n\S+ name\n/);
  });

  it('hostile globs over 10,000 long changed paths stay linear', () => {
    const paths = Array.from({ length: 10_000 }, (_, i) => `${'a/'.repeat(20)}${'a'.repeat(200)}-${i}`);
    const project = { ...defaultProject('x'), paths: ['*a*a*a*a*a*a*a*b', '**/*a*a*a*a*a*a*a*a*a*a*a*a*b'] };
    const started = performance.now();
    expect(projectSkip(project, paths)).toBe('no changed file matches paths');
    const ms = performance.now() - started;
    console.log(`hostile globs over 10,000 paths: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(30_000);
  });

  it('builds every project when the base commit is gone (force-push, pruned)', async () => {
    const { dir, sha: base } = await makeBareRepo(root, 'rewritten', { 'build.yml': BUILD_YML, 'api/main.go': 'v1\n' });
    const clone = await mkdtemp(join(tmpdir(), 'roger-rewrite-'));
    work.push(clone);
    const git = (cwd: string, args: string[]) => exec('git', args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    await git(clone, ['init', '--quiet', '--initial-branch', 'master']);
    await git(clone, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', 'unrelated history']);
    await exec('sh', ['-c', `printf '%s' "$1" > build.yml && git add build.yml && git -c user.name=t -c user.email=t@t commit --quiet -m docs`, 'sh', BUILD_YML], { cwd: clone });
    await git(clone, ['push', '--quiet', '--force', dir, 'HEAD:refs/heads/master']);
    await git(dir, ['reflog', 'expire', '--expire=now', '--all']);
    await git(dir, ['gc', '--quiet', '--prune=now']);
    await git(dir, ['update-server-info']);
    await expect(git(dir, ['cat-file', '-e', `${base}^{commit}`])).rejects.toThrow();
    const { skips, log } = await skipsFor('rewritten', base);
    expect(skips.size).toBe(0);
    expect(log).toContain(`api: the last passed build's commit ${base.slice(0, 12)} cannot be fetched`);
    expect(log).toContain('building it whatever changed');
  });

  it('a first build, a tag and an API request build everything; an unchanged commit skips filtered projects', async () => {
    const { dir, sha: base } = await makeBareRepo(root, 'small', { 'build.yml': BUILD_YML });
    const first = await skipsFor('small', undefined);
    expect(first.skips.size).toBe(0);
    expect(first.log).toContain('api: no passed build of master yet; building it whatever changed');
    await commitFiles(dir, { 'README.md': 'hi\n' });
    expect((await skipsFor('small', base, { webhook: { refType: 'tag' } })).skips.size).toBe(0);
    const api = await skipsFor('small', base, {});
    expect(api.skips.size).toBe(0);
    expect(api.asked).toEqual([]);
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    const same = await skipsFor('small', head);
    expect([...same.skips.keys()].sort()).toEqual(['api', 'bulk', 'docs']);
    expect(same.skips.get('api')).toBe(`no changed file matches paths (0 files changed since ${head.slice(0, 12)})`);
  });

  it('fetches a base the mirror lacks into the mirror under its lock, never shallow, and filters on the diff', async () => {
    const { dir } = await makeBareRepo(root, 'mirrored', { 'build.yml': BUILD_YML, 'api/main.go': 'v1\n' });
    // The base is on a branch the checkout of master never fetches into the mirror.
    const base = (await commitFiles(dir, { 'README.md': 'old\n' }, { branch: 'old' })).sha;
    await commitFiles(dir, { 'api/main.go': 'v2\n' });
    const cache = join(root, 'git-cache');
    const url = `${server.url}/mirrored.git`;
    const lines: string[] = [];
    const deps: PipelineDeps = {
      engine: createFakeEngine(),
      git: createGit({ cache: { dir: cache, maxBytes: null } }),
      config,
      pushLock: new KeyedLock(),
      history: { lastPassedCommit: async () => base },
    };
    const workDir = await mkdtemp(join(tmpdir(), 'roger-changes-ws-'));
    work.push(workDir);
    const req = { repo: url, ref: 'master', options: BRANCH_PUSH, workDir, log: createLineLog((l) => lines.push(l)), signal: new AbortController().signal };
    const co = await checkout(deps, req);

    // Another process holds the mirror: the base is not fetched (not even lazily, by git itself) until it lets go.
    const mirror = mirrorPath(cache, url);
    const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    let skips: Map<string, string>;
    try {
      await writeFile(`${mirror}.lock`, `${JSON.stringify({ pid: holder.pid, host: hostname(), run: 'other-process' })}\n`);
      const mark = server.requests.length;
      let done = false;
      const running = pathSkips(deps, co, req).finally(() => (done = true));
      await new Promise((r) => setTimeout(r, 2000));
      expect(done).toBe(false);
      expect(server.requests.slice(mark).filter((r) => r.command === 'fetch')).toEqual([]);
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
      skips = await running;
      expect(server.requests.slice(mark).filter((r) => r.command === 'fetch')).toHaveLength(1);
    } finally {
      holder.kill('SIGKILL');
    }
    const log = lines.join('');
    expect(log).toContain(`2 files changed since ${base.slice(0, 12)}`);
    expect([...skips.keys()]).toEqual(['bulk']);
    expect(skips.get('bulk')).toBe(`no changed file matches paths (2 files changed since ${base.slice(0, 12)})`);
    const inMirror = (args: string[]) => exec('git', args, { cwd: mirror, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect((await inMirror(['rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe('false');
    expect((await inMirror(['rev-list', '--no-walk', '--missing=allow-any', base])).stdout.trim()).toBe(base);
    // Its history came along: the base's parent is there for later diffs too.
    expect((await inMirror(['rev-list', '--count', '--missing=allow-any', base])).stdout.trim()).toBe('2');
  });

  it('a skipped project is reported to GitHub as success, with the reason', () => {
    const build = { id: 'b1', groupId: 'g', project: 'r__api', repo: 'r', status: 'skipped', tag: 'reg/api:latest', error: 'no changed file matches paths (2 files changed since abc)' } as BuildRecord;
    expect(statusFor(build, 'finished', config)).toMatchObject({ state: 'success', description: 'Skipped: no changed file matches paths (2 files changed since abc)' });
  });
});
