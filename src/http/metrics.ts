import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AgentView } from '../core/agent.js';
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

  private readonly agentUp = new Gauge({ name: 'roger_agent_up', help: 'Whether the agent heartbeat recently (1) or not (0).', labelNames: ['agent'], registers: [this.registry] });
  private readonly agentHealthy = new Gauge({
    name: 'roger_agent_healthy',
    help: 'Whether the agent is up and its Docker engine answers (1) or not (0).',
    labelNames: ['agent'],
    registers: [this.registry],
  });
  private readonly agentRunning = new Gauge({ name: 'roger_agent_builds_running', help: 'Builds the agent ran at its last heartbeat.', labelNames: ['agent'], registers: [this.registry] });
  private readonly agentCapacity = new Gauge({ name: 'roger_agent_capacity', help: 'Builds the agent runs at once (-1: no limit).', labelNames: ['agent'], registers: [this.registry] });
  // A gauge read from the database, not a counter of this process: the take-back that counts may run in any process.
  private readonly agentExpiries = new Gauge({
    name: 'roger_agent_lease_expiries',
    help: 'Runs of the agent taken back because their lease ran out or it restarted under its name (ever, from the database).',
    labelNames: ['agent'],
    registers: [this.registry],
  });
  private readonly agentWait = new Histogram({
    name: 'roger_agent_queue_wait_seconds',
    help: 'Time requests waited in the queue before an agent started them, by agent (builds started since this server started).',
    labelNames: ['agent'],
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  /** Builds started after this were not yet counted in roger_agent_queue_wait_seconds. */
  private startedSince = new Date().toISOString();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The agents as their last heartbeats left them; `live` tells which heartbeat recently. */
  observeAgents(agents: readonly { agent: AgentView; live: boolean }[]): void {
    for (const g of [this.agentUp, this.agentHealthy, this.agentRunning, this.agentCapacity, this.agentExpiries]) g.reset();
    for (const { agent, live } of agents) {
      const labels = { agent: agent.name };
      this.agentUp.set(labels, live ? 1 : 0);
      this.agentHealthy.set(labels, live && agent.healthy ? 1 : 0);
      this.agentRunning.set(labels, live ? agent.running : 0);
      this.agentCapacity.set(labels, agent.capacity ?? -1);
      this.agentExpiries.set(labels, agent.leaseExpiries);
    }
  }

  /** Where to resume: builds started after it are passed to `observeStarted` at the next scrape. */
  get startedAfter(): string {
    return this.startedSince;
  }

  /** Requests' first builds agents started (any process), oldest first: their queue waits, by agent. */
  observeStarted(builds: readonly BuildRecord[]): void {
    for (const b of builds) {
      if (!b.startedAt || !b.agent) continue;
      const waited = Date.parse(b.startedAt) - Date.parse(b.createdAt);
      if (Number.isFinite(waited)) this.agentWait.observe({ agent: b.agent }, Math.max(0, waited) / 1000);
      if (b.startedAt > this.startedSince) this.startedSince = b.startedAt;
    }
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
