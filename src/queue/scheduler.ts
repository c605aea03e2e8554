import type { Claimer } from '../core/agent.js';
import type { BuildRecord } from '../core/build.js';
import type { QueueSignals } from '../core/signals.js';
import type { Lease, Reclaimed, ReclaimScope, Store } from '../core/store.js';

export interface SchedulerOptions {
  store: Store;
  /** Builds running at once in this process; null = unlimited. */
  concurrent: number | null;
  run(build: BuildRecord, signal: AbortSignal, lease: Lease): Promise<void>;
  /** True for agents sharing a database: the limit is this process's own, not the whole fleet's. */
  perProcess?: boolean;
  /** This process in leases: `agent:<name>` or `server:<name>`. */
  owner: string;
  /** How long a claim holds without renewal; renewed every third of it. */
  leaseSeconds: number;
  /** What start() takes back first: this owner's builds (a restart), or every started build (embedded). */
  recover: 'own' | 'all';
  /** Wake-ups when builds are queued or canceled anywhere; without them the poll is all there is. */
  signals?: QueueSignals;
  /** The fallback look for work and cancels (signals can be missed while a connection is down). */
  pollMs?: number;
  onError?(err: unknown): void;
  /** Claims under this agent's name, only builds whose repository asks for no label it lacks. */
  claimer?: Claimer;
  /** Whether to claim now (an agent whose engine is down claims nothing); default always. */
  canClaim?(): boolean;
  /** Builds this process took back from another (or from its own previous life). */
  onReclaimed?(reclaimed: Reclaimed): void;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The queue's consumer: claims queued builds from the Store, FIFO, within the concurrency limit, and
 * runs them under a lease. The Store's atomic claim is the queue, so builds survive restarts and
 * several processes (agents) can share one database. Every third of a lease it renews the leases of
 * all its builds in one statement and takes back builds whose lease ran out (their process is gone).
 * A build it no longer holds (taken back, or canceled elsewhere) is aborted here; so are all its
 * builds when it could not renew for two thirds of a lease, before anyone else may take them.
 */
export class Scheduler {
  private readonly running = new Map<string, Running>();
  private stopped = false;
  private claiming: Promise<void> | undefined;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private lastRenewed = Date.now();
  private beating = false;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Takes back what this process left behind, subscribes to wake-ups, and starts claiming. */
  async start(): Promise<void> {
    await this.reclaim(this.opts.recover === 'all' ? { all: true } : { owner: this.opts.owner });
    await this.opts.signals?.listen({
      queued: () => this.wake(),
      canceled: (groupId) => void this.abortCanceled([groupId]).catch((err: unknown) => this.opts.onError?.(err)),
    });
    const poll = setInterval(() => {
      this.wake();
      void this.abortCanceled([...this.running.keys()]).catch((err: unknown) => this.opts.onError?.(err));
    }, this.opts.pollMs ?? (this.opts.signals ? 5000 : 1000));
    const beat = setInterval(() => void this.heartbeat(), (this.opts.leaseSeconds * 1000) / 3);
    this.timers = [poll, beat];
    for (const t of this.timers) t.unref();
    this.lastRenewed = Date.now();
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
    for (const t of this.timers) clearInterval(t);
    await this.opts.signals?.close();
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

  /** Renews this process's leases, stops what it no longer holds, and takes back expired builds. */
  private async heartbeat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    try {
      await this.renew();
      await this.reclaim({ expired: true });
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      this.beating = false;
    }
  }

  private async renew(): Promise<void> {
    const ids = [...this.running.keys()];
    let held: Set<string>;
    try {
      held = new Set(await this.opts.store.renewLeases(this.opts.owner, this.opts.leaseSeconds, ids));
      this.lastRenewed = Date.now();
    } catch (err) {
      // Past two thirds of a lease another process may soon take these builds back: stop them first,
      // so no build ever runs in two places.
      const silentMs = Date.now() - this.lastRenewed;
      if (silentMs >= (this.opts.leaseSeconds * 1000 * 2) / 3) {
        for (const id of ids) this.cancel(id, `lost: could not renew the build's lease for ${Math.round(silentMs / 1000)} s`);
      }
      throw err;
    }
    const gone = ids.filter((id) => this.running.has(id) && !held.has(id));
    if (gone.length > 0) await this.abortCanceled(gone, 'lost: another process took the build over');
  }

  /**
   * Aborts this process's builds among `groupIds` that were canceled elsewhere (with the recorded
   * reason) or, given `lostReason`, that are no longer started under this process's lease.
   */
  private async abortCanceled(groupIds: string[], lostReason?: string): Promise<void> {
    for (const id of groupIds.filter((g) => this.running.has(g))) {
      // Any build of the group: the primary may have finished while a sibling project still runs.
      const group = await this.opts.store.listGroup(id);
      const canceled = group.find((b) => b.status === 'canceled');
      if (canceled) this.cancel(id, canceled.error ?? 'canceled');
      else if (lostReason && !group.some((b) => b.status === 'started' && b.leaseOwner === this.opts.owner)) this.cancel(id, lostReason);
    }
  }

  private async reclaim(scope: ReclaimScope): Promise<void> {
    const reclaimed = await this.opts.store.reclaim(scope);
    if (reclaimed.requeued.length === 0 && reclaimed.failed.length === 0) return;
    this.opts.onReclaimed?.(reclaimed);
    if (reclaimed.requeued.length > 0) this.wake();
  }

  private async claimAll(): Promise<void> {
    const limit = this.opts.concurrent;
    const claim = { lease: { owner: this.opts.owner, seconds: this.opts.leaseSeconds }, claimer: this.opts.claimer };
    while (!this.stopped && (limit === null || this.running.size < limit) && (this.opts.canClaim?.() ?? true)) {
      // Embedded, the Store's started count is the limit too, so builds left by another process count.
      const build = await this.opts.store.claimNext(this.opts.perProcess ? null : limit, claim);
      if (!build) return;
      this.launch(build);
    }
  }

  private launch(build: BuildRecord): void {
    const controller = new AbortController();
    const done = this.opts
      .run(build, controller.signal, { owner: this.opts.owner, attempt: build.attempt })
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => {
        this.running.delete(build.id);
        this.wake();
      });
    this.running.set(build.id, { controller, done });
  }
}
