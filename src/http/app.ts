import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import qs from 'qs';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import type { Store } from '../core/store.js';
import type { LogHub } from '../logs/hub.js';
import { bearerAuth, tokenCheck } from './auth.js';
import { errorHandler } from './errors.js';
import type { Metrics } from './metrics.js';
import { originGuard } from './origin.js';
import { agentsRoutes } from './routes/agents.js';
import { badgeRoutes } from './routes/badge.js';
import { buildRoutes } from './routes/build.js';
import { buildsRoutes } from './routes/builds.js';
import { configRoutes } from './routes/config.js';
import { healthRoutes } from './routes/health.js';
import { projectsRoutes } from './routes/projects.js';
import { statsRoutes } from './routes/stats.js';
import { wallRoutes } from './routes/wall.js';
import { timeoutOptions, type ServerTimeouts } from './timeouts.js';

export interface AppDeps {
  config: Config;
  store: Store;
  logs: LogHub;
  engine: Engine;
  metrics: Metrics;
  scheduler: { wake(): void; cancel(id: string, reason?: string): boolean; readonly runningCount: number };
  /** Extra route plugins (webhooks, UI) registered by the composition root. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  /** Slow-client bounds; SERVER_TIMEOUTS by default. */
  timeouts?: Partial<ServerTimeouts>;
}

/** Request bodies above this are refused with 413 before they are read into memory. */
export const BODY_LIMIT = 1024 * 1024;

export async function createApp(deps: AppDeps, logger: FastifyServerOptions['logger'] = false): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT,
    routerOptions: {
      // Roger's clients send options[nocache]=true; qs understands brackets. Depth and sizes are bounded.
      querystringParser: (s) => qs.parse(s, { depth: 3, arrayLimit: 20, parameterLimit: 200 }),
      // A badge's project id is a whole repository URL plus the project's name.
      maxParamLength: 2048,
    },
    return503OnClosing: true,
    ...timeoutOptions(deps.timeouts),
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ message: `no route for ${req.method} ${req.url.split('?')[0]}` }));
  const authorized = tokenCheck(deps.config.app.auth?.tokens ?? []);
  app.addHook('onRequest', originGuard(deps.config.app.url));
  app.addHook('onRequest', bearerAuth(authorized, { metrics: deps.config.app.auth?.metrics ?? false }));
  await app.register(async (api) => {
    buildRoutes(api, deps);
    buildsRoutes(api, deps);
    agentsRoutes(api, deps);
    projectsRoutes(api, deps);
    badgeRoutes(api, deps);
    wallRoutes(api, deps);
    statsRoutes(api, deps);
    configRoutes(api, deps);
    healthRoutes(api, deps, authorized);
  });
  for (const plugin of deps.plugins ?? []) await app.register(async (scope) => plugin(scope));
  return app;
}
