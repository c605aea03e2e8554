import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { systemError } from '../core/errors.js';

/**
 * The file Roger writes into every workspace it creates, naming the process that created it. Only a
 * real directory holding it is ever removed: a path that merely sits where a workspace would, a
 * symlink, or another process's workspace is left alone.
 */
export const WORKSPACE_MARK = '.roger-workspace';

interface Mark {
  pid: number;
  host: string;
  /** This process among all that ever had its pid: in a container Roger is pid 1 after every restart. */
  run: string;
}

const RUN = randomBytes(8).toString('hex');

/**
 * Where a run of a build works: `<paths.builds>/workspaces/<id>.<attempt>`. One path per attempt: a
 * process killed mid-build leaves its workspace behind (and a git it had started may still be writing
 * there), so the next attempt, on this host or another sharing paths.builds, must not need that path.
 */
export function workspaceOf(buildsDir: string, build: { id: string; attempt: number }): string {
  return join(buildsDir, 'workspaces', `${build.id}.${build.attempt}`);
}

/** Creates `dir` as a new directory of this build's own; an existing path is never adopted. */
export async function createWorkspace(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(dir);
  } catch (err) {
    throw systemError(`cannot create the workspace ${dir}: ${(err as Error).message}`, err);
  }
  const mark: Mark = { pid: process.pid, host: hostname(), run: RUN };
  await writeFile(join(dir, WORKSPACE_MARK), `${JSON.stringify(mark)}\n`, { flag: 'wx' });
}

/**
 * Removes `dir` when it is a workspace this process created (a real directory whose mark names this
 * process); returns whether it did. A path that was there before, or another process's, is left.
 */
export async function removeWorkspace(dir: string): Promise<boolean> {
  return removeIf(dir, (mark) => mark.run === RUN);
}

/**
 * Removes `dir` when it is a workspace Roger created whose creator is gone: made on this host by a
 * process that no longer runs. A workspace of another live process (an agent sharing paths.builds)
 * or of another host is not stale from here.
 */
export async function removeStaleWorkspace(dir: string): Promise<boolean> {
  // Its pid being this process's own means its creator is gone (a restarted container).
  return removeIf(dir, (mark) => mark.host === hostname() && mark.run !== RUN && (mark.pid === process.pid || !isRunning(mark.pid)));
}

async function removeIf(dir: string, owned: (mark: Mark) => boolean): Promise<boolean> {
  const mark = await markOf(dir);
  if (mark === undefined || !owned(mark)) return false;
  // rm never follows symlinks inside the tree: a link to elsewhere is unlinked, its target kept.
  await rm(dir, { recursive: true, force: true });
  return true;
}

async function markOf(dir: string): Promise<Mark | undefined> {
  const [dirStat, markStat] = await Promise.all([
    lstat(dir).catch(() => undefined),
    lstat(join(dir, WORKSPACE_MARK)).catch(() => undefined),
  ]);
  // lstat: a symlinked workspace or mark is not Roger's, whatever it points to.
  if (!dirStat?.isDirectory() || !markStat?.isFile() || markStat.size > 1024) return undefined;
  try {
    const mark = JSON.parse(await readFile(join(dir, WORKSPACE_MARK), 'utf8')) as Partial<Mark>;
    const { pid, host, run } = mark;
    return typeof pid === 'number' && typeof host === 'string' && typeof run === 'string' ? { pid, host, run } : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
