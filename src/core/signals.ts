/** What a queue's consumer hears about, whichever process caused it. */
export interface QueueListener {
  /** A build was queued (or re-queued): look for work now. */
  queued(): void;
  /** A build of group `groupId` was canceled: stop it if it runs here. */
  canceled(groupId: string): void;
}

/**
 * The QueueSignals port: wake-ups instead of polling. The Postgres implementation LISTENs on the
 * channels a trigger NOTIFYs (`roger_queue`, `roger_cancel`), so every process sharing the database
 * hears every writer; the in-process one serves the embedded server. Delivery is best effort (a
 * connection can drop), so consumers keep a slow poll as a fallback, and an implementation calls
 * `queued()` after it reconnects, for what it may have missed.
 */
export interface QueueSignals {
  /** Starts delivering to `listener` (one listener per QueueSignals). */
  listen(listener: QueueListener): Promise<void>;
  /** Stops delivering and releases any connection. */
  close(): Promise<void>;
}
