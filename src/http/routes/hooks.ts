import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { checkExposure } from '../../config/exposure.js';
import type { Config } from '../../core/config.js';
import { notFound } from '../../core/errors.js';
import type { Forge } from '../../core/forge.js';
import type { Store } from '../../core/store.js';
import { handleDelivery, type DeliveryDeps } from '../../forge/deliver.js';
import { createForges } from '../../forge/registry.js';
import { decodePayload } from '../../forge/payload.js';
import { parseLimit } from '../params.js';
import { renderDelivery } from '../render.js';

/** GitHub caps payloads at 25 MB, but a push carries at most 20 commits; bigger bodies are refused (413). */
export const HOOK_BODY_LIMIT = 5 * 1024 * 1024;

export interface HookDeps {
  config: Config;
  store: Store;
  wake(): void;
  /** Aborts a build group running in this process (superseded); by default none runs here, and the
   *  group is recorded canceled for the process running it to abort. */
  abort?(groupId: string, reason: string): boolean;
  /** Ends the log followers of a group that was canceled. */
  touch?(groupId: string): void;
  log: Pick<Logger, 'warn' | 'error'>;
  /** Replace the configured forges of the same name (tests hand in API clients). */
  forges?: Forge[];
}

/**
 * `POST /public/api/hooks/<forge>` for GitHub, GitLab and Gitea/Forgejo, and
 * `GET /api/hooks/deliveries?limit=N`. Each route is short: the forge verifies and names the delivery,
 * the shared handler does the rest. The body is kept as received, for the signature, whatever its
 * content type.
 */
export function hookRoutes(deps: HookDeps): (app: FastifyInstance) => void {
  const { config, store, log } = deps;
  // Also here, for compositions other than createServer: tokens on /api are not undone by unsigned hooks.
  checkExposure(config);
  if (!config.github.webhookSecret) log.warn('github.webhookSecret is not set: GitHub webhooks are accepted unsigned');
  const forges = createForges(config, deps.forges);
  const delivery: DeliveryDeps = {
    store,
    allowedSchemes: config.builds.allowedSchemes,
    cancelSuperseded: config.builds.cancelSuperseded,
    wake: () => deps.wake(),
    abort: (groupId, reason) => deps.abort?.(groupId, reason) ?? false,
    touch: (groupId) => deps.touch?.(groupId),
    log,
  };

  return (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

    for (const forge of forges) {
      app.post(`/public/api/hooks/${forge.name}`, { bodyLimit: HOOK_BODY_LIMIT }, async (req, reply) => {
        if (forge.disabled !== undefined) throw notFound(forge.disabled);
        const hook = { headers: req.headers, body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '' };
        await forge.verify(hook);
        const { id, event } = forge.header(hook);
        const payload = decodePayload(hook.body, req.headers['content-type']);
        const answer = await handleDelivery(delivery, forge, { id, event, payload });
        return reply.code(answer.status).send(answer.body);
      });
    }

    app.get('/api/hooks/deliveries', async (req) => {
      const limit = parseLimit((req.query as Record<string, unknown> | undefined)?.limit);
      return { deliveries: (await store.listDeliveries({ limit })).map(renderDelivery) };
    });
  };
}
