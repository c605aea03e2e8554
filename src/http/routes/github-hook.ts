import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { checkExposure } from '../../config/exposure.js';
import type { Config } from '../../core/config.js';
import { badInput } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { createGitHubApi, type GitHubApi } from '../../forge/github/api.js';
import { handleDelivery, type DeliveryDeps } from '../../forge/github/deliver.js';
import { decodePayload } from '../../forge/github/payload.js';
import { checkSignature } from '../../forge/github/verify.js';
import { parseLimit } from '../params.js';
import { renderDelivery } from '../render.js';

/** GitHub caps payloads at 25 MB, but a push carries at most 20 commits; bigger bodies are refused (413). */
export const HOOK_BODY_LIMIT = 5 * 1024 * 1024;
const DELIVERY_ID = /^[A-Za-z0-9._-]{1,100}$/;
const EVENT = /^[a-z_]{1,64}$/;

export interface GitHubHookDeps {
  config: Config;
  store: Store;
  wake(): void;
  /** Aborts a build group running in this process (superseded); by default none runs here, and the
   *  group is recorded canceled for the process running it to abort. */
  abort?(groupId: string, reason: string): boolean;
  /** Ends the log followers of a group that was canceled. */
  touch?(groupId: string): void;
  log: Pick<Logger, 'warn' | 'error'>;
  /** Defaults to Octokit at `github.apiUrl` with `auth.github`. */
  api?: GitHubApi;
}

/**
 * `POST /public/api/hooks/github` (signed GitHub webhooks) and `GET /api/hooks/deliveries?limit=N`.
 * The body is kept as received, for the signature, whatever its content type.
 */
export function githubHookRoutes(deps: GitHubHookDeps): (app: FastifyInstance) => void {
  const { config, store, log } = deps;
  const api = deps.api ?? createGitHubApi({ apiUrl: config.github.apiUrl, token: config.auth.github });
  const secret = config.github.webhookSecret;
  // Also here, for compositions other than createServer: tokens on /api are not undone by unsigned hooks.
  checkExposure(config);
  if (!secret) log.warn('github.webhookSecret is not set: GitHub webhooks are accepted unsigned');
  const delivery: DeliveryDeps = {
    store,
    allowedSchemes: config.builds.allowedSchemes,
    cancelSuperseded: config.builds.cancelSuperseded,
    wake: () => deps.wake(),
    abort: (groupId, reason) => deps.abort?.(groupId, reason) ?? false,
    touch: (groupId) => deps.touch?.(groupId),
    api,
    log,
    repositories: config.github.repositories,
  };

  return (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

    app.post('/public/api/hooks/github', { bodyLimit: HOOK_BODY_LIMIT }, async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      if (secret) await checkSignature(secret, body, req.headers['x-hub-signature-256']);
      const event = header(req, 'x-github-event');
      if (event === undefined || !EVENT.test(event)) throw badInput('missing or malformed X-GitHub-Event header');
      const id = header(req, 'x-github-delivery') ?? `local-${randomUUID()}`;
      if (!DELIVERY_ID.test(id)) throw badInput('malformed X-GitHub-Delivery header');
      const payload = decodePayload(body, req.headers['content-type']);
      const answer = await handleDelivery(delivery, { id, event, payload });
      return reply.code(answer.status).send(answer.body);
    });

    app.get('/api/hooks/deliveries', async (req) => {
      const limit = parseLimit((req.query as Record<string, unknown> | undefined)?.limit);
      return { deliveries: (await store.listDeliveries({ limit })).map(renderDelivery) };
    });
  };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
