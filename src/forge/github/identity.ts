import { commentIdentity, newTagIdentity, NEW_TAG_WINDOW_MS, pushIdentity } from '../identity.js';
import { NULL_SHA, object, type Json } from '../json.js';
import type { WebhookIntent } from './parse.js';

/**
 * What a delivery asks for, in the payload's own terms, for deliveries that ask for a build: a push is
 * its repository URL, ref and `before..after`, a new tag (its `create`, or the push that created it)
 * its repository and tag, a "build please!" its pull request and comment id. The same signed body sent
 * again under a new X-GitHub-Delivery id has the same identity; undefined when the payload names
 * nothing that tells two requests apart.
 */
export function payloadIdentity(event: string, payload: Json, intent: WebhookIntent): { identity: string | undefined; windowMs?: number } {
  switch (intent.kind) {
    case 'build': {
      // The URL that would be cloned, not only the name: the same name with another URL is another build.
      const before = typeof payload.before === 'string' ? payload.before : '';
      const created = event === 'create' || (event === 'push' && (payload.created === true || NULL_SHA.test(before)));
      if (intent.refType === 'tag' && created) return { identity: newTagIdentity(intent.repo, intent.ref), windowMs: NEW_TAG_WINDOW_MS };
      if (event === 'push' && intent.commit !== undefined) return { identity: pushIdentity('github', intent.repo, intent.refType, intent.ref, before, intent.commit) };
      return { identity: undefined };
    }
    case 'prComment':
      return { identity: commentIdentity('github', intent.repoUrl, intent.number, object(payload.comment)?.id) };
    default:
      return { identity: undefined };
  }
}
