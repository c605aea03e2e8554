import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isLocked, type FileLocks } from './lock.js';
import { hasLiveWorktree, readMark } from './mirror-state.js';

/** What a mirror's directory is called: the hash `mirrorPath` makes. */
const MIRROR_NAME = /^[0-9a-f]{32}$/;

/**
 * Bytes of every file under `dir` (symlinks counted as themselves, never followed). The entries of a
 * directory are measured all at once: it runs after every checkout, and one lstat after another
 * (each a trip through libuv's thread pool) took tens of milliseconds on a busy machine.
 */
export async function treeBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return treeBytes(path);
      return (await lstat(path).catch(() => undefined))?.size ?? 0;
    }),
  );
  return sizes.reduce((sum, n) => sum + n, 0);
}

/**
 * Removes least recently used mirrors until all of them together take at most `maxBytes`. A mirror in
 * use is never removed: one whose lock is held (a fetch or checkout under way, in any process) or
 * with a live worktree (a running build's workspace). Returns the paths removed.
 */
export async function evictMirrors(dir: string, maxBytes: number, locks: FileLocks): Promise<string[]> {
  const mirrors: { path: string; usedAt: number; bytes: number }[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    if (!MIRROR_NAME.test(name)) continue;
    const path = join(dir, name);
    const mark = await readMark(path);
    // Without a mark it is half-made (its maker was killed): the first to go, measured as it is.
    mirrors.push(mark ? { path, usedAt: mark.usedAt, bytes: mark.bytes } : { path, usedAt: 0, bytes: await treeBytes(path) });
  }
  let total = mirrors.reduce((sum, m) => sum + m.bytes, 0);
  const removed: string[] = [];
  for (const m of mirrors.sort((a, b) => a.usedAt - b.usedAt)) {
    if (total <= maxBytes) break;
    const lock = `${m.path}.lock`;
    if (await isLocked(lock)) continue;
    const done = await locks.tryRun(lock, async () => {
      if (await hasLiveWorktree(m.path)) return false;
      await rm(m.path, { recursive: true, force: true });
      return true;
    });
    if (done?.value === true) {
      total -= m.bytes;
      removed.push(m.path);
    }
  }
  return removed;
}
