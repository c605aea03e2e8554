import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BuildRecord, BuildStatus } from '../core/build.js';

/** Build durations in seconds: builds take seconds to tens of minutes. */
const DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600];
/** Queue waits in seconds: none when a slot is free, up to hours behind a long queue. */
const WAIT_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600];

/**
 * The /metrics exposition through prom-client: the process's default metrics (memory, CPU, event-loop
 * lag, handles) and what this process saw of builds. Each instance has its own Registry, so several
 * apps in one process (tests) never share or clash over metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly stored = new Gauge({ name: 'roger_builds', help: 'Builds stored, by status.', labelNames: ['status'], registers: [this.registry] });
  private readonly queued = new Gauge({ name: 'roger_queue_length', help: 'Builds waiting to run.', registers: [this.registry] });
  private readonly running = new Gauge({ name: 'roger_builds_running', help: 'Builds running in this process.', registers: [this.registry] });
  private readonly finished = new Counter({
    name: 'roger_builds_finished_total',
    help: 'Builds that finished in this process, by final status.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'roger_build_duration_seconds',
    help: 'Build durations, by final status.',
    labelNames: ['status'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly wait = new Histogram({
    name: 'roger_build_queue_wait_seconds',
    help: 'Time requests waited in the queue before a build of theirs started.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records a build that reached its final status in this process. */
  observe(build: BuildRecord): void {
    this.finished.inc({ status: build.status });
    if (build.durationMs !== null) this.duration.observe({ status: build.status }, build.durationMs / 1000);
    // Only a request's first build waited in the queue; its siblings start when it reads build.yml.
    if (build.id === build.groupId && build.startedAt) {
      const waited = Date.parse(build.startedAt) - Date.parse(build.createdAt);
      if (Number.isFinite(waited)) this.wait.observe(Math.max(0, waited) / 1000);
    }
  }

  /** Prometheus text exposition, with the stored counts read for this scrape. */
  async render(byStatus: Record<BuildStatus, number>, running: number): Promise<string> {
    for (const [status, n] of Object.entries(byStatus)) this.stored.set({ status }, n);
    this.queued.set(byStatus.queued);
    this.running.set(running);
    return this.registry.metrics();
  }

  /** The exposition's content type (prom-client's, versioned). */
  get contentType(): string {
    return this.registry.contentType;
  }
}
