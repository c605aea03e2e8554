import type { FastifyInstance } from 'fastify';
import { exposureWarnings } from '../../config/exposure.js';
import { maskSecrets } from '../../config/mask.js';
import type { AppDeps } from '../app.js';

/** `GET /api/config` (secrets masked) and `GET /api/server`: what the UI shows about the server itself. */
export function configRoutes(app: FastifyInstance, deps: AppDeps): void {
  const masked = maskSecrets(deps.config);
  const server = { warnings: exposureWarnings(deps.config) };
  app.get('/api/config', async () => masked);
  app.get('/api/server', async () => server);
}
