import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestBuild } from '../../trigger/request.js';
import type { AppDeps } from '../app.js';
import { requestDeps } from '../request-deps.js';
import { renderBuild } from '../render.js';

type Params = Record<string, unknown>;

/** `GET|POST /api/build?repo=URL&branch=B&options[nocache]=true`: queue a build, answer at once. */
export function buildRoutes(app: FastifyInstance, deps: AppDeps): void {
  const handler = async (req: FastifyRequest) => {
    // POST may carry JSON (or a form); query parameters fill in what the body does not say.
    const query = (req.query ?? {}) as Params;
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {};
    const input = { ...query, ...body };
    const { build } = await requestBuild(requestDeps(deps, req.log), { repo: input.repo, branch: input.branch, options: input.options, trigger: 'api' });
    return { message: 'build scheduled', repo: build.repo, branch: build.branch || null, id: build.id, build: renderBuild(build) };
  };
  app.get('/api/build', async (req, reply) => reply.code(202).send(await handler(req)));
  app.post('/api/build', async (req, reply) => reply.code(202).send(await handler(req)));
}
