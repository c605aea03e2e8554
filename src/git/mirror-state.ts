import { lstat, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPooled } from './worktree-pool.js';

/** Written into a mirror only after its first complete fetch: a mirror without it is half-made and rebuilt. */
export const MIRROR_MARK = 'roger-mirror.json';

export interface MirrorMark {
  url: string;
  /** Milliseconds since the epoch of the last checkout from it: what least-recently-used means. */
  usedAt: number;
  /** Its size on disk after that checkout. */
  bytes: number;
}

/**
 * Forgets worktrees whose workspace is gone (builds remove theirs when they end): git would keep their
 * index and HEAD in the mirror for months. One still being added is locked by git and kept.
 */
export async function pruneWorktrees(path: string): Promise<void> {
  const root = join(path, 'worktrees');
  // All at once: this runs before every checkout, inside the mirror's lock.
  await Promise.all(
    (await readdir(root).catch(() => [])).map(async (name) => {
      if (await exists(join(root, name, 'locked'))) return;
      const gitdir = (await readFile(join(root, name, 'gitdir'), 'utf8').catch(() => '')).trim();
      if (gitdir === '' || !(await exists(gitdir))) await rm(join(root, name), { recursive: true, force: true });
    }),
  );
}

/** Whether a workspace still checked out from this mirror exists (a running build uses it); a kept worktree is no build's. */
export async function hasLiveWorktree(path: string): Promise<boolean> {
  const root = join(path, 'worktrees');
  // git may record the mirror's path with its symlinks resolved.
  const real = await realpath(path).catch(() => path);
  for (const name of await readdir(root).catch(() => [])) {
    const gitdir = (await readFile(join(root, name, 'gitdir'), 'utf8').catch(() => '')).trim();
    if (gitdir !== '' && !isPooled(path, gitdir) && !isPooled(real, gitdir) && (await exists(gitdir))) return true;
  }
  return false;
}

export async function readMark(path: string): Promise<MirrorMark | undefined> {
  try {
    const m = JSON.parse(await readFile(join(path, MIRROR_MARK), 'utf8')) as Partial<MirrorMark>;
    if (typeof m.url !== 'string' || typeof m.usedAt !== 'number' || typeof m.bytes !== 'number') return undefined;
    return { url: m.url, usedAt: m.usedAt, bytes: m.bytes };
  } catch {
    return undefined;
  }
}

export async function writeMark(path: string, mark: MirrorMark): Promise<void> {
  const tmp = join(path, `${MIRROR_MARK}.tmp`);
  await writeFile(tmp, `${JSON.stringify(mark)}\n`);
  await rename(tmp, join(path, MIRROR_MARK));
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
