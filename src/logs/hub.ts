import { setMaxListeners } from 'node:events';
import { FINISHED } from '../core/build.js';
import type { BuildLog } from '../core/log.js';
import type { Store } from '../core/store.js';
import { DEFAULT_FOLLOW_CAPS, FollowLimits, type FollowCaps, type FollowSlot } from './follow-limits.js';
import { GroupWatch } from './group-watch.js';
import { createLineLog } from './line-log.js';

/** How much of a log one read returns. */
const PAGE_CHARS = 1024 * 1024;
/**
 * What one writer (a build's whole log: git, every image build, hooks, pushes) may store. The engine
 * and git bound each step and each image build on their own; this bounds their sum, however many
 * projects a build.yml lists.
 */
export const BUILD_LOG_LIMIT = 32 * 1024 * 1024;
/** Past the limit, short lines still fit in this reserve, so a build's closing lines are kept. */
const CLOSING_RESERVE = 256 * 1024;
const CLOSING_LINE = 1024;

export interface GroupLog extends BuildLog {
  /** Writes what is buffered to the store; resolves when it is there. */
  flush(): Promise<void>;
}

export interface LogHubOptions {
  mask: (text: string) => string;
  /** How long a writer buffers lines before one store write. */
  flushMs?: number;
  /** Characters one writer may store; default BUILD_LOG_LIMIT. */
  logLimit?: number;
  /** How often a followed group is checked for what other processes (agents) wrote. */
  pollMs?: number;
  /** Limits on open follows; see FollowLimits. */
  caps?: FollowCaps;
  /** Whether a group's log is complete; by default, when every build of the group has finished. */
  finished?: (groupId: string) => Promise<boolean>;
}

/**
 * Build logs kept in the Store (so a build run by a remote agent is readable here) with live
 * following. Writers batch lines to keep database writes few. Followers of a group share one
 * GroupWatch: woken at once by this process's writes, and by one slower poll per group for logs
 * written by other processes.
 */
export class LogHub {
  private readonly closing = new AbortController();
  private readonly watches = new Map<string, GroupWatch>();
  private readonly limits: FollowLimits;
  private readonly finished: (groupId: string) => Promise<boolean>;

  constructor(
    private readonly store: Store,
    private readonly opts: LogHubOptions,
  ) {
    // Every open follow listens for the hub closing; the caps, not this warning, bound them.
    setMaxListeners(0, this.closing.signal);
    this.limits = new FollowLimits(opts.caps ?? DEFAULT_FOLLOW_CAPS);
    this.finished = opts.finished ?? (async (groupId) => (await store.listGroup(groupId)).every((b) => FINISHED.includes(b.status)));
  }

  writer(groupId: string): GroupLog {
    let buffer = '';
    let chain: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (buffer === '') return chain;
      const text = buffer;
      buffer = '';
      chain = chain
        .then(() => this.store.appendLog(groupId, text))
        .then(() => this.touch(groupId))
        // A log write that fails must not fail the build; the build's status still records the outcome.
        .catch(() => undefined);
      return chain;
    };
    const limit = this.opts.logLimit ?? BUILD_LOG_LIMIT;
    let stored = 0;
    let reserve = CLOSING_RESERVE;
    let truncated = false;
    const lines = createLineLog(
      (line) => {
        stored += line.length;
        if (stored > limit) {
          if (!truncated) {
            truncated = true;
            const mb = Math.round(limit / 1024 / 1024);
            buffer += `${new Date().toISOString()} log truncated: more than ${mb} MB in this build; only short lines are kept from here on\n`;
          }
          if (line.length > CLOSING_LINE || line.length > reserve) return;
          reserve -= line.length;
        }
        buffer += line;
        if (buffer.length > 64 * 1024) void flush();
        else timer ??= setTimeout(() => void flush(), this.opts.flushMs ?? 200);
      },
      { mask: this.opts.mask },
    );
    return { write: (text) => lines.write(text), flush };
  }

  /** Wakes followers of a group: its log grew, or its builds have finished. */
  touch(groupId: string): void {
    this.watches.get(groupId)?.notify();
  }

  /** A slot for one more follow by `client` (its remote address), or why it is refused. */
  admit(client: string): FollowSlot | { refused: string } {
    return this.limits.acquire(client);
  }

  /** Open follows (admitted and not yet released). */
  get following(): number {
    return this.limits.open;
  }

  /**
   * Yields the group's log from the start, then as it grows, until the group has finished, the
   * caller's `signal` aborts, or the hub closes. Reads go page by page, so a huge log never has to fit
   * in one string. Callers take a slot through `admit` first.
   */
  async *follow(groupId: string, signal?: AbortSignal): AsyncGenerator<string> {
    // Not AbortSignal.any: its listeners on the long-lived closing signal are only freed by GC.
    const stopper = new AbortController();
    const stop = stopper.signal;
    const abort = (): void => stopper.abort();
    for (const s of [signal, this.closing.signal]) {
      if (s?.aborted) stopper.abort();
      s?.addEventListener('abort', abort, { once: true });
    }
    const watch = this.watch(groupId);
    try {
      await watch.ready;
      let offset = 0;
      for (;;) {
        // Read after taking the snapshot: a build that finished then has its whole log stored.
        const { version, done } = watch.snapshot();
        for (;;) {
          const page = await this.store.readLog(groupId, offset, PAGE_CHARS);
          if (page === '' || stop.aborted) break;
          offset += page.length;
          yield page;
        }
        if (done || stop.aborted) return;
        await watch.changed(version, offset, stop);
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      this.closing.signal.removeEventListener('abort', abort);
      this.unwatch(groupId, watch);
    }
  }

  /** Ends every follow (server shutdown: an open log stream must not hold the process up). */
  close(): void {
    this.closing.abort();
    for (const watch of this.watches.values()) watch.stop();
  }

  private watch(groupId: string): GroupWatch {
    let watch = this.watches.get(groupId);
    if (!watch) {
      watch = new GroupWatch(groupId, { store: this.store, finished: this.finished, pollMs: this.opts.pollMs ?? 1000 });
      this.watches.set(groupId, watch);
    }
    watch.users++;
    return watch;
  }

  private unwatch(groupId: string, watch: GroupWatch): void {
    watch.users--;
    if (watch.users > 0) return;
    watch.stop();
    if (this.watches.get(groupId) === watch) this.watches.delete(groupId);
  }
}
