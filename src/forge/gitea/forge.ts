import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config.js';
import { badInput, notFound, RogerError } from '../../core/errors.js';
import type { Forge } from '../../core/forge.js';
import { headerValue } from '../headers.js';
import { validHmac } from '../secret.js';
import { createGiteaApi, type GiteaApi } from './api.js';
import { parseGiteaEvent } from './parse.js';

const DELIVERY_ID = /^[A-Za-z0-9._-]{1,90}$/;
const EVENT = /^[a-z_]{1,64}$/;

/**
 * Gitea and Forgejo: the body's HMAC-SHA256 under gitea.webhookSecret in `X-Forgejo-Signature` or
 * `X-Gitea-Signature` (hex, compared in constant time; webhooks are refused while the secret is unset),
 * the event and delivery id in `X-Forgejo-*` or `X-Gitea-*`. A pull request's head is read from the
 * payload when it carries one, else from the API.
 */
export function giteaForge(config: Config, api?: GiteaApi): Forge {
  const secret = config.gitea.webhookSecret;
  const client = api ?? (config.gitea.apiUrl === null ? undefined : createGiteaApi({ apiUrl: config.gitea.apiUrl, token: config.gitea.token }));
  return {
    name: 'gitea',
    disabled: secret === null ? 'Gitea webhooks are off: set gitea.webhookSecret in config.yml (and the same secret on the Gitea or Forgejo webhook)' : undefined,
    async verify(req) {
      const given = req.headers['x-forgejo-signature'] ?? req.headers['x-gitea-signature'];
      if (given === undefined || given === '') throw unauthorized('missing X-Gitea-Signature (or X-Forgejo-Signature) header');
      if (Array.isArray(given) || secret === null || !validHmac(secret, req.body, given)) {
        throw unauthorized('X-Gitea-Signature does not match the body (check gitea.webhookSecret)');
      }
    },
    header(req) {
      const event = headerValue(req, 'x-forgejo-event') ?? headerValue(req, 'x-gitea-event');
      if (event === undefined || !EVENT.test(event)) throw badInput('missing or malformed X-Gitea-Event header');
      const given = headerValue(req, 'x-forgejo-delivery') ?? headerValue(req, 'x-gitea-delivery') ?? `local-${randomUUID()}`;
      if (!DELIVERY_ID.test(given)) throw badInput('malformed X-Gitea-Delivery header');
      return { id: `gitea-${given}`, event };
    },
    parse: parseGiteaEvent,
    pullHead(owner, name, number) {
      if (client === undefined) return Promise.reject(notFound('gitea.apiUrl is not set: the pull request cannot be looked up'));
      return client.getPullHead(owner, name, number);
    },
  };
}

const unauthorized = (message: string): RogerError => new RogerError('unauthorized', message);
