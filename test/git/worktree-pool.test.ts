import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildLog } from '../../src/core/log.js';
import { createGit } from '../../src/git/cli.js';
import { treeBytes } from '../../src/git/evict.js';
import { gitCacheOf, mirrorPath } from '../../src/git/mirror.js';
import { POOL_DIR, WORTH_KEEPING } from '../../src/git/worktree-pool.js';
import { testConfig } from '../helpers/config.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const exec = promisify(execFile);
const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

let tmp: string;
let root: string;
let server: GitServer;
let n = 0;

async function git(cwd: string, args: string[]): Promise<string> {
  const ident = ['-c', 'user.name=Pool Test', '-c', 'user.email=pool@example.com'];
  const { stdout } = await exec('git', [...ident, ...args], { cwd, env: ENV, maxBuffer: 1 << 26 });
  return stdout.trim();
}

function collect(): BuildLog & { text(): string } {
  const lines: string[] = [];
  return { write: (t) => lines.push(...t.split('\n')), text: () => lines.join('\n') };
}

const workspace = (): string => join(tmp, 'work', `ws${++n}`);

/** A repository served over HTTP, changed through a working clone whose commits are pushed. */
interface Repo {
  url: string;
  bare: string;
  work: string;
  /** Commits what `change` did in the working clone, then what `index` staged; returns the new commit. */
  commit(change: (work: string) => Promise<void>, index?: (work: string) => Promise<void>): Promise<string>;
}

/** A repository big enough for its worktrees to be kept (`small`: one that is not). */
async function newRepo(opts: { small?: boolean } = {}): Promise<Repo> {
  const name = `repo${++n}`;
  const bare = join(root, `${name}.git`);
  const work = join(tmp, `${name}-work`);
  await mkdir(join(work, 'bulk'), { recursive: true });
  await git(work, ['init', '--quiet', '--initial-branch', 'master']);
  const bulk = opts.small ? 0 : WORTH_KEEPING.files;
  for (let i = 0; i < bulk; i++) await writeFile(join(work, 'bulk', `${i}.txt`), `${i}\n`);
  const commit = async (change: (work: string) => Promise<void>, index?: (work: string) => Promise<void>): Promise<string> => {
    await change(work);
    await git(work, ['add', '--all']);
    await index?.(work);
    await git(work, ['commit', '--quiet', '--allow-empty', '-m', `commit ${++n}`]);
    if (!existsSync(bare)) await git(root, ['clone', '--quiet', '--bare', '--', work, bare]);
    else await git(work, ['push', '--quiet', '--force', bare, 'HEAD:refs/heads/master']);
    await git(bare, ['update-server-info']);
    return git(work, ['rev-parse', 'HEAD']);
  };
  return { url: `${server.url}/${name}.git`, bare, work, commit };
}

/** Every file and symlink under `dir` (not `.git` at its top): content or link target, and whether it is executable. */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const rel = relative(dir, path);
      if (rel === '.git') continue;
      const s = await lstat(path);
      if (s.isDirectory()) await walk(path);
      else if (s.isSymbolicLink()) out[rel] = `link -> ${await readlink(path)}`;
      else out[rel] = `${s.mode & 0o111 ? 'exec' : 'file'} ${(await readFile(path)).toString('base64')}`;
    }
  };
  await walk(dir);
  return out;
}

/** What `git archive` of `sha` holds: the tree a fresh checkout must equal. */
async function archived(bare: string, sha: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmp, 'archive-'));
  await exec('sh', ['-c', `git archive ${sha} | tar -x -C "${dir}"`], { cwd: bare, env: ENV });
  return treeOf(dir);
}

/**
 * Edits `file` keeping its size and mtime, an mtime older than the index's: git's stat data then
 * tells the change only by ctime and inode (a file as new as the index would be compared by content).
 */
async function sneakyEdit(worktree: string, file: string, content: string): Promise<void> {
  const path = join(worktree, file);
  const past = new Date(Date.now() - 3600_000);
  await utimes(path, past, past);
  await git(worktree, ['update-index', '-q', '--refresh']);
  expect((await readFile(path)).length).toBe(Buffer.byteLength(content));
  await writeFile(path, content);
  await utimes(path, past, past);
  // Without ctime, git cannot see it (and must not write the index, which would record it as clean).
  expect(await git(worktree, ['--no-optional-locks', '-c', 'core.checkStat=minimal', '-c', 'core.trustctime=false', 'status', '--porcelain', '--untracked-files=no'])).toBe('');
}

/** As if git had written the index of the worktree at `dir` a tick after its files (in a small checkout they share one). */
async function indexLater(dir: string): Promise<void> {
  const gitdir = (await readFile(join(dir, '.git'), 'utf8')).replace(/^gitdir: /, '').trim();
  const later = new Date(Date.now() + 1000);
  await utimes(join(gitdir, 'index'), later, later);
}

const pooled = async (mirror: string): Promise<string[]> => readdir(join(mirror, POOL_DIR)).catch(() => []);
const inode = async (path: string): Promise<number> => (await stat(path)).ino;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-pool-test-'));
  root = join(tmp, 'repos');
  await mkdir(root, { recursive: true });
  server = await startGitServer({ root });
});

afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('kept worktrees', () => {
  it('brings a kept worktree to the next commit exactly as git archive has it, whatever the last build changed in it', async () => {
    const repo = await newRepo();
    const first = await repo.commit(async (w) => {
      await mkdir(join(w, 'dir'), { recursive: true });
      await writeFile(join(w, 'a.txt'), 'a\n');
      await writeFile(join(w, 'dir', 'b.txt'), 'b\n');
      await writeFile(join(w, 'keep.txt'), 'unchanged\n'.repeat(1000));
      await writeFile(join(w, 'run.sh'), '#!/bin/sh\n');
      await writeFile(join(w, 'mode.txt'), 'mode\n');
      await chmod(join(w, 'run.sh'), 0o755);
      await symlink('a.txt', join(w, 'link'));
      await writeFile(join(w, '.gitignore'), 'ignored/\n*.log\n');
      await writeFile(join(w, 'gone.txt'), 'removed by the next commit\n');
    }, async (w) => {
      // A submodule: a directory git never looks into (empty here too, so later commits keep it).
      await mkdir(join(w, 'sub'));
      await git(w, ['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},sub`]);
    });
    const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
    const g = createGit({ cache: { dir: cacheDir, maxBytes: null, pool: 1 } });
    const mirror = mirrorPath(cacheDir, repo.url);

    const ws1 = workspace();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: ws1, log: collect() })).sha).toBe(first);
    expect(await treeOf(ws1)).toEqual(await archived(repo.bare, first));
    const keptInode = await inode(join(ws1, 'keep.txt'));

    // What a build could leave: an edit keeping size and mtime, new, ignored and deleted files, a
    // nested repository, changed modes, a symlink turned elsewhere, a file in the submodule, rev.txt.
    // Untracked and ignored files older than the index (sneakyEdit writes it): left for `git clean`.
    await writeFile(join(ws1, 'new.txt'), 'new\n');
    await mkdir(join(ws1, 'ignored'), { recursive: true });
    await writeFile(join(ws1, 'ignored', 'x'), 'x\n');
    await sneakyEdit(ws1, 'a.txt', 'A\n');
    await writeFile(join(ws1, 'build.log'), 'log\n');
    await rm(join(ws1, 'dir', 'b.txt'));
    await git(ws1, ['init', '--quiet', 'nested']);
    await writeFile(join(ws1, 'nested', 'n.txt'), 'n\n');
    await chmod(join(ws1, 'run.sh'), 0o644);
    await chmod(join(ws1, 'mode.txt'), 0o755);
    await rm(join(ws1, 'link'));
    await symlink('/etc/passwd', join(ws1, 'link'));
    await writeFile(join(ws1, 'sub', 'rev.txt'), 'Version: master\n');
    await writeFile(join(ws1, 'rev.txt'), 'Version: master\n');
    await writeFile(join(ws1, 'gone.txt'), 'changed, then removed by the next commit\n');

    await g.release({ url: repo.url, dir: ws1 });
    expect(existsSync(ws1)).toBe(false);
    expect(await pooled(mirror)).toHaveLength(1);

    const second = await repo.commit(async (w) => {
      await writeFile(join(w, 'dir', 'c.txt'), 'c\n');
      await writeFile(join(w, 'a.txt'), 'a\na2\n');
      await rm(join(w, 'gone.txt'));
    });
    const ws2 = workspace();
    const log = collect();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: ws2, log })).sha).toBe(second);
    // The kept worktree was used (an unchanged file was not written again) and left the pool.
    expect(await inode(join(ws2, 'keep.txt'))).toBe(keptInode);
    expect(await pooled(mirror)).toHaveLength(0);
    expect(await treeOf(ws2)).toEqual(await archived(repo.bare, second));
    expect(await readdir(join(ws2, 'sub'))).toEqual([]);
    expect(await git(ws2, ['status', '--porcelain', '--ignored'])).toBe('');
    expect(log.text()).not.toContain('cannot be used');

    // The same commit again, after an edit of the same size and mtime to a file the commits share.
    await sneakyEdit(ws2, 'keep.txt', 'UNCHANGED\n'.repeat(1000));
    await g.release({ url: repo.url, dir: ws2 });
    const ws3 = workspace();
    await g.checkout({ url: repo.url, ref: 'master', dir: ws3, log: collect() });
    expect(await treeOf(ws3)).toEqual(await archived(repo.bare, second));
    expect(await git(mirror, ['worktree', 'list', '--porcelain'])).toContain(`worktree ${ws3}\n`);
  });

  it('writes a fresh worktree when .gitattributes changed: files it converts differently are not rewritten by a checkout', async () => {
    const repo = await newRepo();
    await repo.commit(async (w) => writeFile(join(w, 'c.txt'), 'one\ntwo\n'));
    const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
    const g = createGit({ cache: { dir: cacheDir, maxBytes: null, pool: 1 } });
    const ws1 = workspace();
    await g.checkout({ url: repo.url, ref: 'master', dir: ws1, log: collect() });
    await indexLater(ws1);
    await g.release({ url: repo.url, dir: ws1 });
    const second = await repo.commit(async (w) => writeFile(join(w, '.gitattributes'), '*.txt text eol=crlf\n'));
    const ws2 = workspace();
    await g.checkout({ url: repo.url, ref: 'master', dir: ws2, log: collect() });
    expect(await readFile(join(ws2, 'c.txt'), 'utf8')).toBe('one\r\ntwo\r\n');
    expect(await treeOf(ws2)).toEqual(await archived(repo.bare, second));
  });

  it('discards a damaged kept worktree (deleted, .git truncated, locked, index broken, half-moved) and checks out a fresh one', async () => {
    const repo = await newRepo();
    await repo.commit(async (w) => writeFile(join(w, 'a.txt'), 'a\n'));
    const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
    const g = createGit({ cache: { dir: cacheDir, maxBytes: null, pool: 1 } });
    const mirror = mirrorPath(cacheDir, repo.url);
    const damages: Record<string, (entry: string, meta: string, was: string) => Promise<void>> = {
      deleted: async (entry) => rm(entry, { recursive: true, force: true }),
      truncated: async (entry) => truncate(join(entry, '.git'), 5),
      locked: async (entry) => void (await git(mirror, ['worktree', 'lock', '--reason', 'test', entry])),
      index: async (_entry, meta) => truncate(join(meta, 'index'), 10),
      // Killed between git's rename into the pool and its update of the metadata.
      'half-moved': async (_entry, meta, was) => writeFile(join(meta, 'gitdir'), `${join(was, '.git')}\n`),
    };
    for (const [damage, hurt] of Object.entries(damages)) {
      const ws = workspace();
      await g.checkout({ url: repo.url, ref: 'master', dir: ws, log: collect() });
      await g.release({ url: repo.url, dir: ws });
      const [name] = await pooled(mirror);
      expect(name, damage).toBeDefined();
      await hurt(join(mirror, POOL_DIR, name!), join(mirror, 'worktrees', name!), ws);
      const sha = await repo.commit(async (w) => writeFile(join(w, 'a.txt'), `${damage}\n`));
      const next = workspace();
      const log = collect();
      expect((await g.checkout({ url: repo.url, ref: 'master', dir: next, log })).sha, damage).toBe(sha);
      expect(log.text(), damage).not.toMatch(/cannot be used|damaged/);
      expect(await treeOf(next), damage).toEqual(await archived(repo.bare, sha));
      expect(await git(next, ['status', '--porcelain', '--ignored']), damage).toBe('');
      expect(await pooled(mirror), damage).toEqual([]);
      expect(existsSync(join(mirror, 'worktrees', name!)), damage).toBe(false);
      await g.release({ url: repo.url, dir: next });
      await rm(join(mirror, POOL_DIR), { recursive: true, force: true });
      await git(mirror, ['worktree', 'prune']);
    }
  });

  it('gives a kept worktree to one checkout at a time and keeps at most `pool` of them', async () => {
    const repo = await newRepo();
    const sha = await repo.commit(async (w) => writeFile(join(w, 'a.txt'), 'a\n'));
    const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
    const g = createGit({ cache: { dir: cacheDir, maxBytes: null, pool: 2 } });
    const mirror = mirrorPath(cacheDir, repo.url);
    const dirs = [workspace(), workspace(), workspace()];
    for (const dir of dirs) await g.checkout({ url: repo.url, ref: 'master', dir, log: collect() });
    for (const dir of dirs) await g.release({ url: repo.url, dir });
    // Two kept; the third stays where it was, for its build to remove.
    expect(await pooled(mirror)).toHaveLength(2);
    expect(existsSync(dirs[2]!)).toBe(true);
    await rm(dirs[2]!, { recursive: true, force: true });

    const next = [workspace(), workspace(), workspace()];
    await Promise.all(next.map((dir) => g.checkout({ url: repo.url, ref: 'master', dir, log: collect() })));
    expect(await pooled(mirror)).toEqual([]);
    const gitdirs = await Promise.all(next.map(async (dir) => readFile(join(dir, '.git'), 'utf8')));
    expect(new Set(gitdirs).size).toBe(3);
    for (const dir of next) expect(await treeOf(dir)).toEqual(await archived(repo.bare, sha));
    const list = await git(mirror, ['worktree', 'list', '--porcelain']);
    for (const dir of next) expect(list.split(`worktree ${dir}\n`)).toHaveLength(2);
  });

  it('counts kept worktrees with their mirror against the cap, and removes them with it', async () => {
    const repo = await newRepo();
    await repo.commit(async (w) => writeFile(join(w, 'big.txt'), 'x'.repeat(200_000)));
    const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
    const mirror = mirrorPath(cacheDir, repo.url);
    const bytes = async (): Promise<number> => (JSON.parse(await readFile(join(mirror, 'roger-mirror.json'), 'utf8')) as { bytes: number }).bytes;
    const g = createGit({ cache: { dir: cacheDir, maxBytes: null, pool: 1 } });
    const ws = workspace();
    await g.checkout({ url: repo.url, ref: 'master', dir: ws, log: collect() });
    const alone = await bytes();
    await indexLater(ws);
    await g.release({ url: repo.url, dir: ws });
    const [kept] = await pooled(mirror);
    expect(await treeBytes(join(mirror, POOL_DIR, kept!))).toBeGreaterThan(200_000);
    expect(await bytes()).toBe(alone + (await treeBytes(join(mirror, POOL_DIR, kept!))));

    // A cap nothing fits under: a mirror whose only worktree is kept is used by no build, so it goes.
    const tiny = createGit({ cache: { dir: cacheDir, maxBytes: 1, pool: 1 } });
    const running = workspace();
    await tiny.checkout({ url: repo.url, ref: 'master', dir: running, log: collect() });
    expect(existsSync(mirror)).toBe(true);
    await tiny.release({ url: repo.url, dir: running });
    expect(existsSync(mirror)).toBe(false);
  });

  it('keeps nothing without a pool, without the cache, or of a tree quicker written again than reused', async () => {
    const repo = await newRepo();
    await repo.commit(async (w) => writeFile(join(w, 'a.txt'), 'a\n'));
    const small = await newRepo({ small: true });
    await small.commit(async (w) => writeFile(join(w, 'a.txt'), 'a\n'));
    const cases = [
      { g: createGit(), url: repo.url },
      { g: createGit({ cache: { dir: join(tmp, `builds${++n}`, 'git-cache'), maxBytes: null } }), url: repo.url },
      { g: createGit({ cache: { dir: join(tmp, `builds${++n}`, 'git-cache'), maxBytes: null, pool: 1 } }), url: small.url },
    ];
    for (const { g, url } of cases) {
      const ws = workspace();
      await g.checkout({ url, ref: 'master', dir: ws, log: collect() });
      await indexLater(ws).catch(() => undefined);
      await g.release({ url, dir: ws });
      expect(await readFile(join(ws, 'a.txt'), 'utf8')).toBe('a\n');
    }
    const { config } = testConfig();
    expect(gitCacheOf({ ...config, builds: { ...config.builds, gitCache: false } })).toBeUndefined();
    expect(gitCacheOf({ ...config, builds: { ...config.builds, concurrent: 3 } })?.pool).toBe(3);
  });
});
