import type pg from 'pg';
import type { QueueListener, QueueSignals } from '../core/signals.js';

const CHANNELS = { queue: 'roger_queue', cancel: 'roger_cancel' } as const;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5_000;

/**
 * Postgres LISTEN on a connection of its own (a pooled one would be handed to other queries and lose
 * the subscription). When the connection drops (server restart, failover) it reconnects with
 * exponential backoff and then reports `queued()` once, for whatever was queued while it was away.
 */
export class PgSignals implements QueueSignals {
  private client: pg.Client | undefined;
  private listener: QueueListener | undefined;
  private closed = false;
  private backoffMs = BACKOFF_FIRST_MS;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  async listen(listener: QueueListener): Promise<void> {
    this.listener = listener;
    await this.connect().catch((err: unknown) => this.lost(err));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    // Loaded on demand so an embedded (SQLite) server never loads pg.
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 10_000 });
    let dropped = false;
    const drop = (err: unknown): void => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      this.lost(err);
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('the notification connection closed')));
    client.on('notification', (msg) => {
      if (msg.channel === CHANNELS.queue) this.listener?.queued();
      else if (msg.channel === CHANNELS.cancel && msg.payload) this.listener?.canceled(msg.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNELS.queue}; LISTEN ${CHANNELS.cancel}`);
    if (this.closed || dropped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = BACKOFF_FIRST_MS;
    this.listener?.queued();
  }

  private lost(err: unknown): void {
    if (this.closed || this.retry) return;
    this.onError(err);
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.closed) void this.connect().catch((e: unknown) => this.lost(e));
    }, wait);
    this.retry.unref();
  }
}
