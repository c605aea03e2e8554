import type { Store } from '../core/store.js';

export interface GroupWatchDeps {
  store: Store;
  /** Whether every build of the group has finished (its log will not grow any more). */
  finished(groupId: string): Promise<boolean>;
  /** How often to look for news written by other processes (agents). */
  pollMs: number;
}

/**
 * What every follower of one group's log shares: whether the group has finished and a version that
 * moves on news. News comes from this process's own writes (`notify`) at once, and from other
 * processes through ONE poll per group, however many follow it: a follower never polls the store.
 */
export class GroupWatch {
  /** Followers using this watch; the hub drops it at zero. */
  users = 0;
  /** Resolves once `done` has been read the first time. */
  readonly ready: Promise<void>;
  private version = 0;
  private done = false;
  /** Waiting followers, each with the offset it has read up to. */
  private readonly waiters = new Map<() => void, number>();
  private checking: Promise<void> | undefined;
  private forceAgain = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly groupId: string,
    private readonly deps: GroupWatchDeps,
  ) {
    this.ready = this.check(true);
    this.timer = setInterval(() => void this.check(false), deps.pollMs);
    this.timer.unref();
  }

  /** The state a follower acts on; `version` is what `changed` compares against. */
  snapshot(): { version: number; done: boolean } {
    return { version: this.version, done: this.done };
  }

  /** This process wrote to the log or changed a build's status: followers look again. */
  notify(): void {
    void this.check(true);
  }

  /** Resolves when the version moves past `since` or `signal` aborts; `offset`: what the caller has read. */
  changed(since: number, offset: number, signal: AbortSignal): Promise<void> {
    if (this.version !== since || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.set(wake, offset);
      signal.addEventListener('abort', wake);
    });
  }

  /** Stops polling and releases anyone still waiting. */
  stop(): void {
    clearInterval(this.timer);
    this.wakeAll();
  }

  /**
   * Reads whether the group finished and whether the log grew past what a waiting follower has read, then
   * wakes them if either changed (always, when `force`). One check runs at a time; news arriving
   * meanwhile runs one more.
   */
  private check(force: boolean): Promise<void> {
    if (this.checking) {
      this.forceAgain ||= force;
      return this.checking;
    }
    this.checking = this.look(force).finally(() => {
      this.checking = undefined;
      if (this.forceAgain) {
        this.forceAgain = false;
        void this.check(true);
      }
    });
    return this.checking;
  }

  private async look(force: boolean): Promise<void> {
    let done = this.done;
    let grew = false;
    // The follower furthest behind decides: anything past its offset is news to it.
    const behind = this.waiters.size === 0 ? undefined : Math.min(...this.waiters.values());
    try {
      [done, grew] = await Promise.all([
        this.deps.finished(this.groupId),
        behind === undefined ? false : this.deps.store.readLog(this.groupId, behind, 1).then((next) => next !== ''),
      ]);
    } catch {
      // The store failing is reported to followers by their own reads; the watch just wakes them.
      force = true;
    }
    if (!force && !grew && done === this.done) return;
    this.done = done;
    this.version++;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters.keys()]) wake();
  }
}
