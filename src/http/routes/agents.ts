import type { FastifyInstance } from 'fastify';
import { isLive } from '../../core/agent.js';
import type { AppDeps } from '../app.js';
import { renderAgent } from '../render.js';

/** `GET /api/agents`: every agent that reported, with whether it is live now. */
export function agentsRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'store'>): void {
  app.get('/api/agents', async () => {
    const now = Date.now();
    return { agents: (await deps.store.listAgents()).map((a) => renderAgent(a, isLive(a, now))) };
  });
}
