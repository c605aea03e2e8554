/** A follow slot: released once when the stream ends, however it ends. */
export interface FollowSlot {
  release(): void;
}

export interface FollowCaps {
  /** Open follows in all. */
  total: number;
  /** Open follows from one client (remote address). */
  perClient: number;
}

export const DEFAULT_FOLLOW_CAPS: FollowCaps = { total: 500, perClient: 20 };

/**
 * Counts open log follows so that no client, and no crowd of clients, can hold an unbounded number of
 * long-lived responses (each one a socket, a reader and a share of the store's attention).
 */
export class FollowLimits {
  private total = 0;
  private readonly byClient = new Map<string, number>();

  constructor(private readonly caps: FollowCaps = DEFAULT_FOLLOW_CAPS) {}

  /** A slot for `client`, or why there is none. */
  acquire(client: string): FollowSlot | { refused: string } {
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.caps.perClient) {
      return { refused: `too many log streams open from ${client} (at most ${this.caps.perClient}); close one and try again` };
    }
    if (this.total >= this.caps.total) {
      return { refused: `the server is streaming too many logs (at most ${this.caps.total}); try again later` };
    }
    this.total++;
    this.byClient.set(client, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.byClient.get(client) ?? 1) - 1;
        if (left > 0) this.byClient.set(client, left);
        else this.byClient.delete(client);
      },
    };
  }

  /** Open follows in all (for tests and diagnostics). */
  get open(): number {
    return this.total;
  }
}
