import type { WebhookIntent } from './parse.js';

type Json = Record<string, unknown>;

/** How long a payload's identity is remembered: a replay after that builds again (GitHub's own redeliveries keep their id). */
export const REPLAY_WINDOW_MS = 60 * 60 * 1000;

/**
 * What a delivery asks for, in the payload's own terms, for deliveries that ask for a build: a push is
 * its repository URL, ref and `before..after` (pushing a branch back to an earlier commit is a new
 * push), a tag creation its repository and tag, a "build please!" its pull request and comment id.
 * The same signed body sent again under a new X-GitHub-Delivery id has the same identity; undefined
 * when the payload names nothing that tells two requests apart.
 */
export function payloadIdentity(event: string, payload: Json, intent: WebhookIntent): string | undefined {
  switch (intent.kind) {
    case 'build': {
      // The URL that would be cloned, not only the name: the same name with another URL is another build.
      if (event === 'push') {
        const before = typeof payload.before === 'string' ? payload.before.slice(0, 64) : '';
        return intent.commit === undefined ? undefined : `push ${intent.repo} ${intent.refType} ${intent.ref} ${before}..${intent.commit}`;
      }
      return `${event} ${intent.repo} ${intent.refType} ${intent.ref}`;
    }
    case 'prComment': {
      const id = object(payload.comment)?.id;
      if (typeof id !== 'number' && typeof id !== 'string') return undefined;
      return `${event} ${intent.repoUrl} pull/${intent.number} comment ${String(id).slice(0, 40)}`;
    }
    default:
      return undefined;
  }
}

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
