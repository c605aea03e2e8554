import type { ServerOptions } from 'node:http';

/**
 * How long a client may take over its request, against slowloris (connections held open by sending
 * headers or a body a byte at a time). They bound receiving the request only: a log follow is a long
 * response to a short request and is not cut by them (its route also lifts the idle timeout).
 */
export interface ServerTimeouts {
  /** The request line and headers must be in within this (Node's headersTimeout). */
  headersMs: number;
  /** The whole request, body included, must be in within this (Node's requestTimeout): the body-read timeout. */
  requestMs: number;
  /** A socket with no traffic either way is closed after this (Fastify's connectionTimeout). */
  idleMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** How often Node checks requests against headersMs and requestMs; a slow client lasts at most this much longer. */
  checkEveryMs: number;
}

export const SERVER_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
  keepAliveMs: 5_000,
  checkEveryMs: 1_000,
};

/** The Fastify options that apply `t` (defaults for what it leaves out). */
export function timeoutOptions(t: Partial<ServerTimeouts> = {}): {
  connectionTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  const { headersMs, requestMs, idleMs, keepAliveMs, checkEveryMs } = { ...SERVER_TIMEOUTS, ...t };
  return {
    connectionTimeout: idleMs,
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    // Node refuses a headers timeout longer than the request timeout.
    http: { headersTimeout: Math.min(headersMs, requestMs), requestTimeout: requestMs, connectionsCheckingInterval: checkEveryMs },
  };
}
