import type { FastifyInstance } from 'fastify';
import { maskUrlPasswords } from '../../config/mask.js';
import { isLive } from '../../core/agent.js';
import { toError } from '../../core/errors.js';
import type { AppDeps } from '../app.js';
import type { TokenCheck } from '../auth.js';

const check = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (err: unknown) => maskUrlPasswords(toError(err).message));

/**
 * `/healthz` answers every caller with the status (200 ok / 503 unhealthy) a load balancer needs; what
 * failed, and why, only to a caller with a token (anyone in open mode): error text names hosts, paths
 * and users. `/metrics` is guarded by the auth hook when `app.auth.metrics` is set.
 */
export function healthRoutes(app: FastifyInstance, deps: AppDeps, authorized: TokenCheck): void {
  app.get('/healthz', async (req, reply) => {
    const [store, engine] = await Promise.all([check(deps.store.ping()), check(deps.engine.ping())]);
    const ok = store === 'ok' && engine === 'ok';
    const status = ok ? 'ok' : 'unhealthy';
    return reply.code(ok ? 200 : 503).send(authorized(req) ? { status, store, engine } : { status });
  });
  app.get('/metrics', async (_req, reply) => {
    const counts = await deps.store.countByStatus();
    const now = Date.now();
    deps.metrics.observeAgents((await deps.store.listAgents()).map((agent) => ({ agent, live: isLive(agent, now) })));
    deps.metrics.observeStarted(await deps.store.listStartedSince(deps.metrics.startedAfter, 1000));
    return reply.type(deps.metrics.contentType).send(await deps.metrics.render(counts, deps.scheduler.runningCount));
  });
}
