import type { FastifyInstance } from 'fastify';
import { maskSecrets } from '../../config/mask.js';
import type { AppDeps } from '../app.js';

export function configRoutes(app: FastifyInstance, deps: AppDeps): void {
  const masked = maskSecrets(deps.config);
  app.get('/api/config', async () => masked);
}
