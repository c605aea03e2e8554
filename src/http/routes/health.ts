import { toError } from '../../core/errors.js';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';

const check = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (err: unknown) => toError(err).message);

export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', async (_req, reply) => {
    const [store, engine] = await Promise.all([check(deps.store.ping()), check(deps.engine.ping())]);
    const ok = store === 'ok' && engine === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unhealthy', store, engine });
  });
  app.get('/metrics', async (_req, reply) => {
    const counts = await deps.store.countByStatus();
    return reply.type(deps.metrics.contentType).send(await deps.metrics.render(counts, deps.scheduler.runningCount));
  });
}
