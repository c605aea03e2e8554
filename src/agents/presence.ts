import type { Logger } from 'pino';
import { HEARTBEAT_MS, type AgentRecord, type Labels } from '../core/agent.js';
import type { Engine } from '../core/engine.js';
import { toError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { engineProblem } from '../pipeline/failure.js';

export interface PresenceOptions {
  store: Store;
  engine: Pick<Engine, 'ping'>;
  name: string;
  labels: Labels;
  capacity: number | null;
  version: string;
  /** Builds running in this process now. */
  running(): number;
  log: Logger;
  /** Called when the engine answers again after it did not: time to claim. */
  onHealthy?(): void;
  intervalMs?: number;
}

/**
 * This process as an agent in the store: upserted on start, then a heartbeat every few seconds that
 * first pings the engine. An engine that does not answer makes the agent unhealthy (it claims nothing
 * and says why) without stopping it; it is healthy again once the engine answers.
 */
export class AgentPresence {
  // Healthy until a ping says otherwise: `start` awaits the first one before anything is claimed.
  private isHealthy = true;
  private problem: string | null = null;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly opts: PresenceOptions) {}

  get healthy(): boolean {
    return this.isHealthy;
  }

  /** The first heartbeat (awaited: the agent is listed before it claims), then one every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.intervalMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Stops the heartbeat and records the agent as stopped, so nothing waits on it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    this.isHealthy = false;
    this.problem = 'stopped';
    await this.record().catch((err: unknown) => this.opts.log.warn({ err }, 'could not record the agent as stopped'));
  }

  /** One heartbeat; overlapping calls share the one in flight. */
  beat(): Promise<void> {
    this.beating ??= this.check().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async check(): Promise<void> {
    const problem = await engineProblem(this.opts.engine);
    const wasHealthy = this.isHealthy;
    this.isHealthy = problem === undefined;
    this.problem = problem === undefined ? null : `engine: ${problem}`;
    if (wasHealthy && !this.isHealthy) this.opts.log.warn(`agent ${this.opts.name} unhealthy, claiming nothing: ${this.problem}`);
    if (!wasHealthy && this.isHealthy) this.opts.log.info(`agent ${this.opts.name} healthy`);
    try {
      await this.record();
    } catch (err) {
      // The database may be back by the next beat; the agent goes on meanwhile.
      this.opts.log.warn(`agent ${this.opts.name}: could not record its heartbeat: ${toError(err).message}`);
    }
    if (!wasHealthy && this.isHealthy) this.opts.onHealthy?.();
  }

  private record(): Promise<void> {
    const agent: AgentRecord = {
      name: this.opts.name,
      labels: this.opts.labels,
      capacity: this.opts.capacity,
      running: this.opts.running(),
      version: this.opts.version,
      healthy: this.isHealthy,
      problem: this.problem,
      startedAt: this.startedAt,
      lastHeartbeat: new Date().toISOString(),
    };
    return this.opts.store.recordAgent(agent);
  }
}
