import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError, type RogerError } from '../../src/core/errors.js';
import type { BuildLog } from '../../src/core/log.js';
import { createGit } from '../../src/git/cli.js';
import { mirrorPath, mirrorRef } from '../../src/git/mirror.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitRequest, type GitServer } from '../helpers/git-server.js';
import { selfSignedCert } from '../helpers/tls.js';

const exec = promisify(execFile);
const TOKEN = 'ghp_MirrorT0kenNeverOnDisk';
const TOKEN_B64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

let tmp: string;
let root: string;
let server: GitServer;
let slow: GitServer;
let n = 0;

function collect(): BuildLog & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return { lines, write: (t) => lines.push(...t.split('\n')), text: () => lines.join('\n') };
}

const workspace = (): string => join(tmp, 'work', `ws${++n}`);

/** A fresh cache directory and an adapter using it (as a server or agent process would have). */
function cached(maxBytes: number | null = null): { git: ReturnType<typeof createGit>; cacheDir: string } {
  const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
  return { git: createGit({ cache: { dir: cacheDir, maxBytes } }), cacheDir };
}

async function newRepo(files: Record<string, string> = { 'a.txt': 'a\n' }): Promise<{ url: string; dir: string; sha: string }> {
  const name = `repo${++n}`;
  const made = await makeBareRepo(root, name, files);
  return { url: `${server.url}/${name}.git`, dir: made.dir, sha: made.sha };
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
  return stdout.trim();
}

/** Distinct objects in a repository, loose and packed (a pack completed from local objects repeats a few). */
async function objectCount(repo: string): Promise<number> {
  const out = await git(repo, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)']);
  return new Set(out.split('\n').filter(Boolean)).size;
}

async function failure(p: Promise<unknown>): Promise<RogerError> {
  try {
    await p;
  } catch (err) {
    if (isRogerError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Makes `dir` unwritable even for root (which ignores permission bits): the immutable attribute. */
async function readOnly(dir: string, on: boolean): Promise<void> {
  if (process.getuid?.() === 0) await exec('chattr', ['-R', on ? '+i' : '-i', dir]);
  else await exec('chmod', ['-R', on ? 'a-w' : 'u+w', dir]);
}

/** A small file system of its own needs root with mount rights. */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = join(tmpdir(), `roger-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rmdir', [probe]);
  }
}

const fetches = (s: GitServer, from: number): GitRequest[] => s.requests.slice(from).filter((r) => r.command === 'fetch');

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-mirror-test-'));
  root = join(tmp, 'repos');
  server = await startGitServer({ root });
  slow = await startGitServer({ root, delayMs: 300 });
});

afterAll(async () => {
  await server?.close();
  await slow?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('mirror cache', () => {
  it('keeps one mirror per repository; the second checkout receives only the new commit', async () => {
    const big = Array.from({ length: 20 }, (_, i) => [`f${i}.txt`, `${i}`.repeat(10_000)]);
    const repo = await newRepo(Object.fromEntries(big));
    const { git: g, cacheDir } = cached();
    const first = await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() });
    expect(first.sha).toBe(repo.sha);
    const mirror = mirrorPath(cacheDir, repo.url);
    expect(await readdir(cacheDir)).toContain(mirror.split('/').pop());
    const before = await objectCount(mirror);

    const next = await commitFiles(repo.dir, { 'new.txt': 'new\n' }, { message: 'second' });
    const mark = server.requests.length;
    const dir = workspace();
    const second = await g.checkout({ url: repo.url, ref: 'master', dir, log: collect() });
    expect(second.sha).toBe(next.sha);
    expect(second.message).toBe('second');
    expect(await readFile(join(dir, 'new.txt'), 'utf8')).toBe('new\n');
    expect(await readFile(join(dir, 'f3.txt'), 'utf8')).toBe('3'.repeat(10_000));
    // The commit, its tree and the one new file: nothing of what the mirror already had.
    expect((await objectCount(mirror)) - before).toBe(3);
    const sent = fetches(server, mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.responseBytes).toBeLessThan(5_000);
    // The workspace is a worktree of the mirror: no copy of the history of its own.
    expect((await stat(join(dir, '.git'))).isFile()).toBe(true);
    expect(await git(dir, ['rev-parse', 'HEAD'])).toBe(next.sha);
    expect(await git(mirror, ['rev-parse', mirrorRef('heads', 'master')])).toBe(next.sha);
  });

  it('fetches no old file contents from a server that offers partial clone', async () => {
    const repo = await newRepo({ 'big.txt': 'old '.repeat(50_000) });
    await git(repo.dir, ['config', 'uploadpack.allowFilter', 'true']);
    const oldBlob = await git(repo.dir, ['rev-parse', 'master:big.txt']);
    const next = await commitFiles(repo.dir, { 'big.txt': 'new\n' });
    const { git: g, cacheDir } = cached();
    const dir = workspace();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir, log: collect() })).sha).toBe(next.sha);
    expect(await readFile(join(dir, 'big.txt'), 'utf8')).toBe('new\n');
    const mirror = mirrorPath(cacheDir, repo.url);
    // The history is there (commits and trees), the old version of the file is not.
    expect(await git(mirror, ['rev-list', '--count', mirrorRef('heads', 'master')])).toBe('2');
    // rev-list reports what is missing without fetching it.
    const listed = await git(mirror, ['rev-list', '--objects', '--missing=print', mirrorRef('heads', 'master')]);
    expect(listed.split('\n')).toContain(`?${oldBlob}`);
    // The next build fetches the new commit, and its new file when checking it out.
    const third = await commitFiles(repo.dir, { 'big.txt': 'newer\n' });
    const ws = workspace();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: ws, log: collect() })).sha).toBe(third.sha);
    expect(await readFile(join(ws, 'big.txt'), 'utf8')).toBe('newer\n');
  });

  it('follows a force-push that rewrites history the mirror has', async () => {
    const repo = await newRepo();
    const { git: g } = cached();
    const old = await commitFiles(repo.dir, { 'b.txt': 'old\n' }, { message: 'to be rewritten' });
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() })).sha).toBe(old.sha);
    // Rewrite: master goes back to the first commit and gets another child.
    const work = join(tmp, `rewrite${++n}`);
    await git(tmp, ['clone', '--quiet', repo.dir, work]);
    await git(work, ['reset', '--quiet', '--hard', repo.sha]);
    await writeFile(join(work, 'b.txt'), 'new\n');
    await git(work, ['add', 'b.txt']);
    await git(work, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'rewritten']);
    await git(work, ['push', '--quiet', '--force', 'origin', 'HEAD:master']);
    const rewritten = await git(work, ['rev-parse', 'HEAD']);

    const dir = workspace();
    const commit = await g.checkout({ url: repo.url, ref: 'master', dir, log: collect() });
    expect(commit.sha).toBe(rewritten);
    expect(commit.sha).not.toBe(old.sha);
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('new\n');
  });

  it('fails clearly for a ref deleted between the push and the fetch, never using the mirror copy', async () => {
    const repo = await newRepo();
    await commitFiles(repo.dir, { 'f.txt': 'f\n' }, { branch: 'feature' });
    const { git: g } = cached();
    await g.checkout({ url: repo.url, ref: 'feature', dir: workspace(), log: collect() });
    await git(repo.dir, ['branch', '-D', 'feature']);
    const err = await failure(g.checkout({ url: repo.url, ref: 'feature', dir: workspace(), log: collect() }));
    expect(err.kind).toBe('build-failed');
    expect(err.message).toBe(`no branch or tag named 'feature' in ${repo.url} (deleted since it was pushed?)`);
  });

  it('checks out tags through the mirror, branches winning over tags of the same name', async () => {
    const repo = await newRepo();
    const tagged = await commitFiles(repo.dir, { 't.txt': 't\n' }, { branch: 'rel', tag: 'v1.0' });
    const { git: g } = cached();
    expect((await g.checkout({ url: repo.url, ref: 'v1.0', dir: workspace(), log: collect() })).sha).toBe(tagged.sha);
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() })).sha).toBe(repo.sha);
  });

  it('learns the default branch from the fetch itself: one ls-refs per checkout, no ls-remote beside it', async () => {
    const name = `repo${++n}`;
    const made = await makeBareRepo(root, name, { 'a.txt': 'a\n' }, { branch: 'trunk' });
    const url = `${server.url}/${name}.git`;
    const feature = await commitFiles(made.dir, { 'f.txt': 'f\n' }, { branch: 'feature' });
    const { git: g, cacheDir } = cached();
    const mark = server.requests.length;
    const co = await g.checkout({ url, ref: 'feature', dir: workspace(), log: collect() });
    expect(co).toMatchObject({ sha: feature.sha, ref: 'feature', defaultBranch: 'trunk' });
    const commands = server.requests.slice(mark).map((r) => r.command).filter((c) => c !== undefined);
    expect(commands).toEqual(['ls-refs', 'fetch']);
    // The default branch's history came with it: the mirror has both heads.
    const mirror = mirrorPath(cacheDir, url);
    expect(await git(mirror, ['rev-parse', 'refs/roger/HEAD'])).toBe(made.sha);

    // Without a ref: the default branch, named, from one fetch again.
    const next = await commitFiles(made.dir, { 'b.txt': 'b\n' }, { branch: 'trunk' });
    const again = server.requests.length;
    const dir = workspace();
    const head = await g.checkout({ url, dir, log: collect() });
    expect(head).toMatchObject({ sha: next.sha, ref: 'trunk', defaultBranch: 'trunk' });
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('b\n');
    expect(server.requests.slice(again).filter((r) => r.command === 'ls-refs')).toHaveLength(1);
  });

  it('still tidies the mirror (git\'s gc --auto) now that it runs beside the checkout, not after the fetch', async () => {
    const repo = await newRepo();
    const { git: g, cacheDir } = cached();
    await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() });
    const mirror = mirrorPath(cacheDir, repo.url);
    // Due as soon as there are two packs: every fetch adds one.
    await git(mirror, ['config', 'gc.autoPackLimit', '2']);
    const packs = async () => (await readdir(join(mirror, 'objects', 'pack'))).filter((f) => f.endsWith('.pack')).length;
    for (let i = 0; i < 3; i++) {
      const next = await commitFiles(repo.dir, { [`n${i}.txt`]: `${i}\n` }, { message: `next ${i}` });
      expect((await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() })).sha).toBe(next.sha);
      expect(await packs()).toBeLessThanOrEqual(2);
    }
  });

  it('checks out master when the remote HEAD names no branch that exists, and says it knows no default', async () => {
    const repo = await newRepo();
    await git(repo.dir, ['symbolic-ref', 'HEAD', 'refs/heads/gone']);
    const { git: g } = cached();
    expect(await g.checkout({ url: repo.url, dir: workspace(), log: collect() })).toMatchObject({ sha: repo.sha, ref: 'master', defaultBranch: undefined });
    expect(await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() })).toMatchObject({ sha: repo.sha, defaultBranch: undefined });
  });

  it('rebuilds a mirror deleted, half-made or truncated under it', async () => {
    const repo = await newRepo(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`d/${i}.txt`, `${i}\n`.repeat(500)])));
    const { git: g, cacheDir } = cached();
    const mirror = mirrorPath(cacheDir, repo.url);
    await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() });

    // Deleted.
    await rm(mirror, { recursive: true, force: true });
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() })).sha).toBe(repo.sha);
    expect(existsSync(join(mirror, 'roger-mirror.json'))).toBe(true);

    // Half-made: killed during its first fetch, so never marked complete.
    await rm(join(mirror, 'roger-mirror.json'));
    await writeFile(join(mirror, 'objects', 'garbage'), 'x');
    const dir = workspace();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir, log: collect() })).sha).toBe(repo.sha);
    expect(existsSync(join(mirror, 'objects', 'garbage'))).toBe(false);
    expect(await readFile(join(dir, 'd/7.txt'), 'utf8')).toBe('7\n'.repeat(500));

    // Truncated pack: the objects of the tree the next commit shares are unreadable.
    const packDir = join(mirror, 'objects', 'pack');
    const packs = (await readdir(packDir)).filter((f) => f.endsWith('.pack'));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) await truncate(join(packDir, p), 2000);
    const next = await commitFiles(repo.dir, { 'e.txt': 'e\n' });
    const log = collect();
    const ws = workspace();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: ws, log })).sha).toBe(next.sha);
    expect(log.text()).toContain('The git cache of this repository is damaged');
    expect(log.text()).not.toContain('cannot be used');
    expect(await readFile(join(ws, 'd/199.txt'), 'utf8')).toBe('199\n'.repeat(500));
    expect(await git(ws, ['status', '--porcelain'])).toBe('');
  });

  it('falls back to a plain fetch when the mirror or the cache directory is read-only', async () => {
    const repo = await newRepo();
    const { git: g, cacheDir } = cached();
    const mirror = mirrorPath(cacheDir, repo.url);
    await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() });
    const next = await commitFiles(repo.dir, { 'r.txt': 'r\n' });
    await readOnly(cacheDir, true);
    try {
      const log = collect();
      const dir = workspace();
      const commit = await g.checkout({ url: repo.url, ref: 'master', dir, log });
      expect(commit.sha).toBe(next.sha);
      expect(log.text()).toContain('The git cache cannot be used');
      expect(await readFile(join(dir, 'r.txt'), 'utf8')).toBe('r\n');
      // A repository never cached cannot get a mirror in a read-only cache either, and still checks out.
      const other = await newRepo({ 'o.txt': 'o\n' });
      expect((await g.checkout({ url: other.url, ref: 'master', dir: workspace(), log: collect() })).sha).toBe(other.sha);
      expect(existsSync(mirrorPath(cacheDir, other.url))).toBe(false);
    } finally {
      await readOnly(cacheDir, false);
    }
    // Writable again: the mirror is used (and brought up to date) again.
    const log = collect();
    expect((await g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log })).sha).toBe(next.sha);
    expect(log.text()).not.toContain('cannot be used');
    expect(await git(mirror, ['rev-parse', mirrorRef('heads', 'master')])).toBe(next.sha);
  });

  it.skipIf(!canMount())('falls back to a plain fetch when the cache\'s disk is full', async () => {
    // 1.3 MB that does not compress well, on a 512 KB file system.
    const repo = await newRepo({ 'big.bin': Array.from({ length: 40 }, () => randomBytes(25_000).toString('base64')).join('\n') });
    const { git: g, cacheDir } = cached();
    await mkdir(cacheDir, { recursive: true });
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', cacheDir]);
    try {
      for (let i = 0; i < 2; i++) {
        const log = collect();
        const dir = workspace();
        expect((await g.checkout({ url: repo.url, ref: 'master', dir, log })).sha).toBe(repo.sha);
        expect(log.text()).toContain('The git cache cannot be used');
        expect((await readFile(join(dir, 'big.bin'), 'utf8')).length).toBeGreaterThan(1_000_000);
      }
    } finally {
      await exec('umount', [cacheDir]);
    }
  });

  it('lets two checkouts of one repository share the mirror, one fetch at a time', async () => {
    const made = await newRepo();
    const url = `${slow.url}/${made.url.split('/').pop()}`;
    const cacheDir = join(tmp, `builds${++n}`, 'git-cache');
    // Two adapters over one cache: the file lock alone keeps them apart, as between two processes.
    const a = createGit({ cache: { dir: cacheDir, maxBytes: null } });
    const b = createGit({ cache: { dir: cacheDir, maxBytes: null } });
    const mark = slow.requests.length;
    const results = await Promise.all([
      a.checkout({ url, ref: 'master', dir: workspace(), log: collect() }),
      b.checkout({ url, ref: 'master', dir: workspace(), log: collect() }),
      a.checkout({ url, ref: 'master', dir: workspace(), log: collect() }),
    ]);
    for (const r of results) expect(r.sha).toBe(made.sha);
    // Each fetch opens with the capability advertisement, then asks (ls-refs, fetch); none may start
    // before everything the previous one asked has been answered.
    const seen = slow.requests.slice(mark).sort((x, y) => x.startedAt - y.startedAt);
    const opens = seen.filter((r) => r.method === 'GET' && r.path.endsWith('/info/refs'));
    expect(opens).toHaveLength(3);
    expect(fetches(slow, mark)).toHaveLength(1);
    for (const open of opens.slice(1)) {
      for (const earlier of seen.filter((r) => r.startedAt < open.startedAt)) expect(open.startedAt).toBeGreaterThanOrEqual(earlier.endedAt!);
    }
    expect((await readdir(cacheDir)).filter((f) => !f.endsWith('.lock'))).toHaveLength(1);
  });

  it('takes over the lock of a holder killed with -9, and waits for a live one', async () => {
    const repo = await newRepo();
    const { git: g, cacheDir } = cached();
    await mkdir(cacheDir, { recursive: true });
    const lock = `${mirrorPath(cacheDir, repo.url)}.lock`;
    const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      await writeFile(lock, `${JSON.stringify({ pid: holder.pid, host: hostname(), run: 'other-process' })}\n`);
      let done = false;
      const checkout = g.checkout({ url: repo.url, ref: 'master', dir: workspace(), log: collect() }).finally(() => (done = true));
      await new Promise((r) => setTimeout(r, 1500));
      expect(done).toBe(false);
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
      expect((await checkout).sha).toBe(repo.sha);
      expect(existsSync(lock)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('keeps the token out of every file of the cache', async () => {
    const privRoot = join(tmp, 'private');
    const made = await makeBareRepo(privRoot, 'secret', { Dockerfile: 'FROM scratch\n' });
    const cert = selfSignedCert(tmp);
    const saved = process.env.GIT_SSL_CAINFO;
    process.env.GIT_SSL_CAINFO = cert.certFile;
    const priv = await startGitServer({ root: privRoot, auth: { username: 'x-access-token', password: TOKEN }, tls: cert });
    try {
      const { git: g, cacheDir } = cached();
      const url = `${priv.url}/secret.git`;
      const dir = workspace();
      const log = collect();
      expect((await g.checkout({ url, ref: 'master', dir, token: TOKEN, log })).sha).toBe(made.sha);
      await commitFiles(made.dir, { 'x.txt': 'x\n' });
      await g.checkout({ url, ref: 'master', dir: workspace(), token: TOKEN, log });
      const files = [...(await allFiles(join(cacheDir, '..'))), ...(await allFiles(dir))];
      expect(files).toContain(join(mirrorPath(cacheDir, url), 'config'));
      for (const file of files) {
        const text = await readFile(file, 'latin1');
        expect(text, file).not.toContain(TOKEN);
        expect(text, file).not.toContain(TOKEN_B64);
      }
      expect(log.text()).not.toContain(TOKEN);
      // Without the token the mirror gives nothing away: the remote is asked, and refuses.
      const err = await failure(g.checkout({ url, ref: 'master', dir: workspace(), log: collect() }));
      expect(err.kind).toBe('build-failed');
      expect(err.message).toMatch(/authentication/);
    } finally {
      await priv.close();
      if (saved === undefined) delete process.env.GIT_SSL_CAINFO;
      else process.env.GIT_SSL_CAINFO = saved;
    }
  });

  it('removes least recently used mirrors past the cap, never one in use', async () => {
    const [r1, r2, r3] = [await newRepo(), await newRepo(), await newRepo()];
    const { git: uncapped, cacheDir } = cached();
    const bytes = async (url: string): Promise<number> =>
      (JSON.parse(await readFile(join(mirrorPath(cacheDir, url), 'roger-mirror.json'), 'utf8')) as { bytes: number }).bytes;
    const use = async (g: ReturnType<typeof createGit>, url: string): Promise<void> => {
      const dir = workspace();
      await g.checkout({ url, ref: 'master', dir, log: collect() });
      // The build ended: its workspace is gone.
      await rm(dir, { recursive: true, force: true });
    };
    for (const url of [r1!.url, r2!.url, r3!.url, r1!.url]) await use(uncapped, url);
    // Least recently used first: r2, then r3, then r1. A cap that only r2's removal satisfies:
    const cap = (await bytes(r1!.url)) + (await bytes(r2!.url)) / 2 + (await bytes(r3!.url));
    await use(createGit({ cache: { dir: cacheDir, maxBytes: cap } }), r3!.url);
    expect(existsSync(mirrorPath(cacheDir, r2!.url))).toBe(false);
    expect(existsSync(mirrorPath(cacheDir, r1!.url))).toBe(true);
    expect(existsSync(mirrorPath(cacheDir, r3!.url))).toBe(true);

    // A cap nothing fits under: still, a mirror whose workspace exists (a running build) stays.
    const tiny = createGit({ cache: { dir: cacheDir, maxBytes: 1 } });
    const running = workspace();
    await tiny.checkout({ url: r1!.url, ref: 'master', dir: running, log: collect() });
    expect(existsSync(mirrorPath(cacheDir, r1!.url))).toBe(true);
    expect(existsSync(mirrorPath(cacheDir, r3!.url))).toBe(false);
    await rm(running, { recursive: true, force: true });
    await use(tiny, r2!.url);
    expect(existsSync(mirrorPath(cacheDir, r1!.url))).toBe(false);
  });

  it('keeps today\'s one-commit fetch and no cache when it is off', async () => {
    const repo = await newRepo();
    await commitFiles(repo.dir, { 'c.txt': 'c\n' });
    const dir = workspace();
    await createGit().checkout({ url: repo.url, ref: 'master', dir, log: collect() });
    expect(await git(dir, ['rev-list', '--count', 'HEAD'])).toBe('1');
    expect((await stat(join(dir, '.git'))).isDirectory()).toBe(true);
  });
});

// Permission bits restored for the temp dir's removal even if a test failed midway.
afterAll(async () => {
  if (tmp && process.getuid?.() !== 0) await chmod(tmp, 0o755).catch(() => undefined);
});
