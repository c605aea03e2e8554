import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config.js';
import { badInput } from '../../core/errors.js';
import type { Forge, HookRequest } from '../../core/forge.js';
import { headerValue } from '../headers.js';
import { createGitHubApi, type GitHubApi } from './api.js';
import { refusedRepository } from './allow.js';
import { parseEvent } from './parse.js';
import { checkSignature } from './verify.js';

const DELIVERY_ID = /^[A-Za-z0-9._-]{1,100}$/;
const EVENT = /^[a-z_]{1,64}$/;

/**
 * GitHub: `X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256` when github.webhookSecret is set
 * (unsigned deliveries are accepted otherwise, as Roger always did), github.repositories as the
 * allow-list, pull request heads looked up through the REST API.
 */
export function githubForge(config: Config, api: GitHubApi = createGitHubApi({ apiUrl: config.github.apiUrl, token: config.auth.github })): Forge {
  const secret = config.github.webhookSecret;
  return {
    name: 'github',
    disabled: undefined,
    async verify(req: HookRequest) {
      if (secret) await checkSignature(secret, req.body, req.headers['x-hub-signature-256']);
    },
    header(req) {
      const event = headerValue(req, 'x-github-event');
      if (event === undefined || !EVENT.test(event)) throw badInput('missing or malformed X-GitHub-Event header');
      const id = headerValue(req, 'x-github-delivery') ?? `local-${randomUUID()}`;
      if (!DELIVERY_ID.test(id)) throw badInput('malformed X-GitHub-Delivery header');
      return { id, event };
    },
    refused: (payload) => refusedRepository(config.github.repositories, payload),
    parse: parseEvent,
    pullHead: (owner, name, number) => api.getPullHead(owner, name, number),
  };
}
