import type { Claimer } from '../core/agent.js';
import type { BuildRecord } from '../core/build.js';
import type { Store } from '../core/store.js';

export interface SchedulerOptions {
  store: Store;
  /** Builds running at once in this process; null = unlimited. */
  concurrent: number | null;
  run(build: BuildRecord, signal: AbortSignal): Promise<void>;
  /** True for agents sharing a database: the limit is this process's own, not the whole fleet's. */
  perProcess?: boolean;
  /** How often to look for work other processes queued (agents); local enqueues wake it at once. */
  pollMs?: number;
  onError?(err: unknown): void;
  /** Claims under this agent's name, only builds whose repository asks for no label it lacks. */
  claimer?: Claimer;
  /** Whether to claim now (an agent whose engine is down claims nothing); default always. */
  canClaim?(): boolean;
}

/**
 * The queue's consumer: claims queued builds from the Store, FIFO, within the concurrency limit, and
 * runs them. The Store's atomic claim is the queue, so builds survive restarts and several processes
 * (agents) can share one database.
 */
export class Scheduler {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopped = false;
  private claiming: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.wake();
      void this.abortCanceled().catch((err: unknown) => this.opts.onError?.(err));
    }, this.opts.pollMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now (called after a build is queued and when one finishes). */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimAll()
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => {
        this.claiming = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Aborts a build running in this process; false when it is not running here. */
  cancel(id: string, reason = 'canceled'): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    entry.controller.abort(new Error(reason));
    return true;
  }

  /** Stops claiming; waits up to `graceMs` for running builds, then aborts them and waits for teardown. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.claiming;
    const all = (): Promise<unknown> => Promise.allSettled([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    const interrupted = new Error('interrupted: the server shut down while the build ran');
    interrupted.name = 'InterruptedError';
    for (const r of this.running.values()) r.controller.abort(interrupted);
    await all();
  }

  /** A cancel recorded by another process (the server, for a build on this agent) aborts it here. */
  private async abortCanceled(): Promise<void> {
    for (const id of this.running.keys()) {
      // Any build of the group: the primary may have finished while a sibling project still runs.
      const canceled = (await this.opts.store.listGroup(id)).find((b) => b.status === 'canceled');
      if (canceled) this.cancel(id, canceled.error ?? 'canceled');
    }
  }

  private async claimAll(): Promise<void> {
    const limit = this.opts.concurrent;
    while (!this.stopped && (limit === null || this.running.size < limit) && (this.opts.canClaim?.() ?? true)) {
      // Embedded, the Store's started count is the limit too, so builds left by another process count.
      const build = await this.opts.store.claimNext(this.opts.perProcess ? null : limit, this.opts.claimer);
      if (!build) return;
      this.launch(build);
    }
  }

  private launch(build: BuildRecord): void {
    const controller = new AbortController();
    const done = this.opts
      .run(build, controller.signal)
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => {
        this.running.delete(build.id);
        this.wake();
      });
    this.running.set(build.id, { controller, done });
  }
}
