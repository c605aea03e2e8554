import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { parseLimit } from '../params.js';
import { renderProject } from '../render.js';

export function projectsRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Querystring: { limit?: string } }>('/api/projects', async (req) => {
    const projects = await deps.store.listProjects({ limit: parseLimit(req.query.limit) });
    return { projects: projects.map(renderProject) };
  });
}
