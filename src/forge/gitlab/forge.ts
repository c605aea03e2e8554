import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config.js';
import { badInput, notFound, RogerError } from '../../core/errors.js';
import type { Forge } from '../../core/forge.js';
import { headerValue } from '../headers.js';
import { sameSecret } from '../secret.js';
import { parseGitLabEvent } from './parse.js';

const DELIVERY_ID = /^[A-Za-z0-9._-]{1,90}$/;
/** `Push Hook`, `Tag Push Hook`, `Note Hook`, …: words and spaces. */
const EVENT = /^[A-Za-z][A-Za-z ]{0,63}$/;

/**
 * GitLab: `X-Gitlab-Token` must equal gitlab.webhookToken (compared in constant time; webhooks are
 * refused while it is unset), the delivery id is `X-Gitlab-Event-UUID` (else `Idempotency-Key`), the
 * event `X-Gitlab-Event`. Note hooks carry the merge request's head, so nothing is looked up.
 */
export function gitlabForge(config: Config): Forge {
  const expected = config.gitlab.webhookToken;
  return {
    name: 'gitlab',
    disabled: expected === null ? 'GitLab webhooks are off: set gitlab.webhookToken in config.yml (and the same secret token on the GitLab webhook)' : undefined,
    async verify(req) {
      const token = req.headers['x-gitlab-token'];
      if (token === undefined || token === '') throw unauthorized('missing X-Gitlab-Token header');
      if (Array.isArray(token) || expected === null || !sameSecret(token, expected)) throw unauthorized('X-Gitlab-Token does not match gitlab.webhookToken');
    },
    header(req) {
      const event = headerValue(req, 'x-gitlab-event');
      if (event === undefined || !EVENT.test(event)) throw badInput('missing or malformed X-Gitlab-Event header');
      const given = headerValue(req, 'x-gitlab-event-uuid') ?? headerValue(req, 'idempotency-key') ?? `local-${randomUUID()}`;
      if (!DELIVERY_ID.test(given)) throw badInput('malformed X-Gitlab-Event-UUID header');
      return { id: `gitlab-${given}`, event };
    },
    parse: parseGitLabEvent,
    pullHead: () => Promise.reject(notFound('GitLab merge requests are read from the note itself')),
  };
}

const unauthorized = (message: string): RogerError => new RogerError('unauthorized', message);
