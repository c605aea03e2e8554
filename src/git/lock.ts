import { randomBytes } from 'node:crypto';
import { readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { RogerError } from '../core/errors.js';
import { KeyedLock } from '../core/keyed-lock.js';

/** The lock file's content: who holds it. */
interface Holder {
  pid: number;
  host: string;
  /** This process among all that ever had its pid (in a container Roger is pid 1 after every restart). */
  run: string;
}

const RUN = randomBytes(8).toString('hex');
/** A holder refreshes its file's mtime this often, so holders on other hosts can be told from dead ones. */
const HEARTBEAT_MS = 10_000;
/** A lock of another host (or one without readable content) not refreshed for this long is abandoned. */
const ABANDONED_MS = 120_000;
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 250;

/**
 * Locks over files shared by processes (a server and agents on one host share paths.builds): an
 * in-process queue per path (a KeyedLock), then a lock file created exclusively and naming its holder.
 * A lock whose holder is gone (same host, pid no longer running: a kill -9) is taken over at once; one
 * of another host is taken over once its holder stopped refreshing it.
 */
export class FileLocks {
  /** One task per path at a time within this process: only its turn touches the lock file. */
  private readonly queue = new KeyedLock();

  /** Runs `task` while holding the lock at `path`, waiting for it as long as it takes (or until `signal`). */
  async run<T>(path: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.queue.run(path, async () => {
      for (let wait = POLL_MIN_MS; !(await tryAcquire(path)); wait = Math.min(wait * 2, POLL_MAX_MS)) {
        if (signal?.aborted) throw canceled();
        await sleep(wait);
      }
      return holding(path, task);
    });
  }

  /** Runs `task` holding the lock if it comes free within `ms`; undefined when it did not. */
  async runWithin<T>(path: string, ms: number, task: () => Promise<T>): Promise<{ value: T } | undefined> {
    const deadline = Date.now() + ms;
    for (let wait = POLL_MIN_MS; ; wait = Math.min(wait * 2, POLL_MAX_MS)) {
      const done = await this.tryRun(path, task);
      if (done !== undefined || Date.now() + wait > deadline) return done;
      await sleep(wait);
    }
  }

  /** Runs `task` only if the lock is free right now; undefined when someone holds it. */
  async tryRun<T>(path: string, task: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.queue.busy(path)) return undefined;
    return this.queue.run(path, async () => ((await tryAcquire(path)) ? { value: await holding(path, task) } : undefined));
  }
}

/** Whether a live process (this one included) holds the lock at `path`. */
export async function isLocked(path: string): Promise<boolean> {
  const seen = await readHolder(path);
  return seen !== undefined && !(await abandoned(path, seen.holder));
}

async function holding<T>(path: string, task: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => {
    const now = new Date();
    void utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  beat.unref();
  try {
    return await task();
  } finally {
    clearInterval(beat);
    // Only our own file: had we been taken for dead, the file is someone else's now.
    const seen = await readHolder(path);
    if (seen?.holder?.run === RUN && seen.holder.pid === process.pid) await unlink(path).catch(() => undefined);
  }
}

async function tryAcquire(path: string): Promise<boolean> {
  const me: Holder = { pid: process.pid, host: hostname(), run: RUN };
  try {
    await writeFile(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const seen = await readHolder(path);
  if (seen !== undefined && (await abandoned(path, seen.holder))) await takeOver(path, seen.text);
  return false;
}

/**
 * Removes an abandoned lock file, one taker at a time: without the guard, a second taker that read
 * the same dead holder could remove the lock the first taker has just created.
 */
async function takeOver(path: string, deadText: string): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await writeFile(guard, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A taker dies between two file operations only by kill -9; its guard is then old.
    const s = await stat(guard).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > ABANDONED_MS) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    // Nobody creates the lock file while it exists, so the same content means the same dead holder.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === deadText) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function readHolder(path: string): Promise<{ text: string; holder: Holder | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    const ok = typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.run === 'string';
    return { text, holder: ok ? (h as Holder) : undefined };
  } catch {
    return { text, holder: undefined };
  }
}

async function abandoned(path: string, holder: Holder | undefined): Promise<boolean> {
  if (holder?.host === hostname()) {
    if (holder.run === RUN) return false;
    // Our own pid in another run: the process that wrote it was restarted (a container's pid 1).
    return holder.pid === process.pid || !isRunning(holder.pid);
  }
  // Another host's holder (or a file still being written) is judged by its heartbeat alone.
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && Date.now() - s.mtimeMs > ABANDONED_MS;
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function canceled(): RogerError {
  return new RogerError('canceled', 'the build was canceled or timed out while waiting for the git cache');
}
