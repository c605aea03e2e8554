import { lstat, mkdir, readdir, readFile, realpath, rm, rmdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { RunIn } from './mirror.js';

/**
 * Where a mirror keeps the worktrees of finished builds (`<mirror>/roger-worktrees/<name>`, named as
 * git names their metadata in `<mirror>/worktrees/<name>`): inside the mirror, so they are measured
 * with it, removed with it, and never outlive it.
 */
export const POOL_DIR = 'roger-worktrees';

/** A worktree taken out of the pool into a build's directory, still as its last build left it. */
export interface TakenWorktree {
  dir: string;
  /** Its name among the mirror's worktrees. */
  name: string;
  /** The commit it had checked out. */
  head: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The smallest worktree worth keeping, by files or by bytes. Reusing one takes four git processes
 * (move, checkout, clean, and a look at `.gitattributes`) where a fresh one takes one: for a small
 * tree, writing it all again is the quicker way.
 */
export const WORTH_KEEPING = { files: 200, bytes: 2 * 1024 * 1024 };

/** Whether `gitdir` (a worktree's `.git` path, as its metadata records it) is a worktree kept in the pool of `mirror`. */
export function isPooled(mirror: string, gitdir: string): boolean {
  return gitdir.startsWith(join(mirror, POOL_DIR) + sep);
}

/**
 * The name of the mirror's worktree checked out at `dir`, read from its `.git` file; undefined when
 * `dir` holds no worktree of this mirror (or its `.git` file is damaged).
 */
export async function worktreeName(mirror: string, dir: string): Promise<string | undefined> {
  const dotGit = join(dir, '.git');
  const s = await lstat(dotGit).catch(() => undefined);
  if (!s?.isFile() || s.size > 4096) return undefined;
  const gitdir = /^gitdir: (.*)\n$/.exec(await readFile(dotGit, 'utf8').catch(() => ''))?.[1];
  if (gitdir === undefined) return undefined;
  for (const root of new Set([mirror, await realpath(mirror).catch(() => mirror)])) {
    const prefix = join(root, 'worktrees') + sep;
    const name = gitdir.startsWith(prefix) ? gitdir.slice(prefix.length) : '';
    if (/^[^/\\]+$/.test(name) && name !== '.' && name !== '..') return name;
  }
  return undefined;
}

/**
 * Moves a kept worktree of `mirror` to `dir` (an empty directory, replaced by it) and returns it; a
 * kept worktree that cannot be moved (deleted, its `.git` file damaged, locked, left half-moved by a
 * killed process) is removed on the way. Undefined when none is left: `dir` is then as it was. Runs
 * under the mirror's lock.
 */
export async function takeWorktree(mirror: string, dir: string, run: RunIn): Promise<TakenWorktree | undefined> {
  const root = join(mirror, POOL_DIR);
  for (const entry of await readdir(root).catch(() => [])) {
    const path = join(root, entry);
    const name = await worktreeName(mirror, path);
    const head = name === undefined ? '' : (await readFile(join(mirror, 'worktrees', name, 'HEAD'), 'utf8').catch(() => '')).trim();
    if (name === entry && SHA.test(head)) {
      // An existing directory would have git move the worktree into it, not to it.
      if (!(await rmdir(dir).then(() => true, () => false))) return undefined;
      // git checks the worktree's `.git` file and its metadata point at each other, and refuses a locked one.
      const moved = await run(mirror, ['worktree', 'move', path, dir], { quiet: true });
      if (moved.code === 0) return { dir, name, head };
      // git renames first: a failure after the rename leaves the worktree at `dir`.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
    }
    await discard(mirror, path, name ?? entry);
  }
  return undefined;
}

/**
 * Brings a taken worktree to `target` as a fresh `git worktree add` would write it, rewriting only
 * what differs between the commits: `checkout --force` (what its last build changed was removed when
 * it was kept, see `settleWorktree`), then `clean -ffdx` for anything untracked or ignored. A change
 * of `.gitattributes` gets a fresh worktree instead: files it converts differently (line endings)
 * without a change of content are not rewritten by a checkout. Returns false when it cannot be used
 * (the worktree is then removed, `dir` left empty for a fresh one).
 */
export async function refreshWorktree(mirror: string, taken: TakenWorktree, target: string, run: RunIn): Promise<boolean> {
  const [attributes, checkout] = await Promise.all([
    run(mirror, ['diff-tree', '--quiet', '-r', taken.head, target, '--', ':(glob)**/.gitattributes'], { quiet: true }),
    run(taken.dir, ['checkout', '--quiet', '--force', '--detach', target, '--'], { quiet: true }),
  ]);
  let ok = attributes.code === 0 && checkout.code === 0;
  if (ok) ok = (await run(taken.dir, ['clean', '-ffdxq'], { quiet: true })).code === 0;
  if (!ok) {
    await rm(taken.dir, { recursive: true, force: true });
    await mkdir(taken.dir, { recursive: true });
    await rm(join(mirror, 'worktrees', taken.name), { recursive: true, force: true });
  }
  return ok;
}

/**
 * Readies a finished build's worktree at `dir` for the pool: removes every file or symlink changed
 * since git last wrote the worktree's index, and returns the bytes left; undefined when it is no
 * worktree of this mirror, its `.git` file was changed, or it is too small to be worth keeping.
 *
 * git tells a changed file by its stat data, in whole seconds as it is usually built: an edit keeping
 * size and mtime within the second git recorded the file is invisible to it. The kernel sets a file's ctime on every change
 * and no one can set it back, so a ctime (in nanoseconds) not before the index's mtime means the file
 * was touched after git wrote it: removed here, git writes it again (or `clean` has nothing left to
 * do). A submodule's directory, where git never looks, is covered the same way.
 */
export async function settleWorktree(mirror: string, dir: string): Promise<number | undefined> {
  const name = await worktreeName(mirror, dir);
  if (name === undefined) return undefined;
  const index = await lstat(join(mirror, 'worktrees', name, 'index'), { bigint: true }).catch(() => undefined);
  if (!index?.isFile()) return undefined;
  const touched: string[] = [];
  // The whole tree's, removed files included: they are what its next checkout would write anyway.
  const seen = { files: 0, bytes: 0 };
  const walk = async (at: string): Promise<number> => {
    const entries = await readdir(at, { withFileTypes: true });
    // All at once, as treeBytes: one lstat after another took tens of milliseconds on a busy machine.
    const sizes = await Promise.all(
      entries.map(async (entry) => {
        const path = join(at, entry.name);
        if (entry.isDirectory()) return walk(path);
        const s = await lstat(path, { bigint: true });
        seen.files++;
        seen.bytes += Number(s.size);
        if (s.ctimeNs < index.mtimeNs) return Number(s.size);
        touched.push(path);
        return 0;
      }),
    );
    return sizes.reduce((sum, n) => sum + n, 0);
  };
  const bytes = await walk(dir);
  if (touched.includes(join(dir, '.git'))) return undefined;
  if (seen.files < WORTH_KEEPING.files && seen.bytes < WORTH_KEEPING.bytes) return undefined;
  await Promise.all(touched.map((path) => rm(path, { recursive: true, force: true })));
  return bytes;
}

/** How many worktrees the mirror keeps now. */
export async function keptCount(mirror: string): Promise<number> {
  return (await readdir(join(mirror, POOL_DIR)).catch(() => [])).length;
}

/**
 * Keeps the mirror's worktree at `dir` in its pool, when the pool has fewer than `max` and `dir` holds
 * one of its worktrees; returns whether it did (otherwise `dir` is left as it was). Runs under the
 * mirror's lock.
 */
export async function keepWorktree(mirror: string, dir: string, max: number, run: RunIn): Promise<boolean> {
  const name = await worktreeName(mirror, dir);
  if (name === undefined) return false;
  const root = join(mirror, POOL_DIR);
  const kept: string[] = await readdir(root).catch(() => []);
  if (kept.length >= max) return false;
  await mkdir(root, { recursive: true });
  const path = join(root, name);
  // A leftover of a process killed mid-move, whose name git has given to this worktree since.
  if (kept.includes(name)) await rm(path, { recursive: true, force: true });
  const moved = await run(mirror, ['worktree', 'move', dir, path], { quiet: true });
  return moved.code === 0;
}

/** Removes a kept worktree, and its metadata unless that belongs to another worktree. */
async function discard(mirror: string, path: string, name: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  const meta = join(mirror, 'worktrees', name);
  const gitdir = (await readFile(join(meta, 'gitdir'), 'utf8').catch(() => '')).trim();
  if (gitdir === '' || gitdir === join(path, '.git')) await rm(meta, { recursive: true, force: true });
}
