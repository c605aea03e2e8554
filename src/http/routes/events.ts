import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { BuildFeed } from '../../core/events.js';
import { renderBuild } from '../render.js';

export const EVENTS_ROUTE = '/api/events';

export interface EventStreamOptions {
  /** Open streams at most; one more is answered 503 and falls back to polling. */
  maxClients: number;
  /** How often an idle stream gets a comment line, so proxies and clients see it alive. */
  heartbeatMs: number;
  /** A client that lets this much go unread is cut off (it reconnects and reloads): memory stays bounded. */
  maxUnreadBytes: number;
}

export const EVENT_STREAM_DEFAULTS: EventStreamOptions = { maxClients: 1000, heartbeatMs: 15_000, maxUnreadBytes: 256 * 1024 };

/**
 * `GET /api/events`: server-sent events, one `build` event per change, its data
 * `{"type":"created"|"started"|"finished"|"skipped","build":{…as GET /api/builds/:id}}`. Behind the API
 * tokens like every /api route (the web UI reads it with fetch and its Authorization header).
 */
export function eventsRoutes(feed: BuildFeed, options: Partial<EventStreamOptions> = {}) {
  const opts = { ...EVENT_STREAM_DEFAULTS, ...options };
  return (app: FastifyInstance): void => {
    const clients = new Set<ServerResponse>();
    const send = (res: ServerResponse, frame: string): void => {
      if (res.writableLength > opts.maxUnreadBytes) {
        clients.delete(res);
        res.destroy();
        return;
      }
      res.write(frame);
    };
    const unsubscribe = feed.subscribe((change, build) => {
      if (clients.size === 0) return;
      // Serialised once for every client.
      const frame = `event: build\ndata: ${JSON.stringify({ type: change, build: renderBuild(build) })}\n\n`;
      for (const res of clients) send(res, frame);
    });
    // One timer for all streams, not one each.
    const heartbeat = setInterval(() => {
      for (const res of clients) send(res, ': ping\n\n');
    }, opts.heartbeatMs).unref();

    app.addHook('preClose', async () => {
      for (const res of clients) res.end();
      clients.clear();
    });
    app.addHook('onClose', async () => {
      clearInterval(heartbeat);
      unsubscribe();
    });

    app.get(EVENTS_ROUTE, async (req, reply) => {
      if (clients.size >= opts.maxClients) {
        return reply.code(503).header('retry-after', '30').send({ message: `too many open event streams (${opts.maxClients}); poll /api/builds instead` });
      }
      // A stream is a long answer to a short request: the idle timeout must not cut it.
      req.raw.socket.setTimeout(0);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\n: connected\n\n`);
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return reply;
    });
  };
}
