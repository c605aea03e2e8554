import { badInput } from '../../core/errors.js';
import type { HookIntent } from '../../core/forge.js';
import { checkRefName, schemeOf } from '../../git/url.js';
import { commentIdentity, newTagIdentity, NEW_TAG_WINDOW_MS, pushIdentity } from '../identity.js';
import { BUILD_PLEASE, NULL_SHA, object, SHA, splitRef, text, type Json } from '../json.js';

/** GitHub owner and repository names; they become API path segments. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** The markers of GitHub Actions, Drone and Woodpecker, plus Roger's own; any case. */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip roger]', '[roger skip]'] as const;

/** The first skip marker in a commit message, or undefined. */
export function skipMarker(message: string): string | undefined {
  const lower = message.toLowerCase();
  return SKIP_MARKERS.find((m) => lower.includes(m));
}

/**
 * Turns a GitHub event (`X-GitHub-Event`) into an intent: `push` builds the pushed ref, `create` a new
 * tag (its `push` twin is the same request), `issue_comment` "build please!" on a pull request asks
 * for that pull request (its head is looked up after the answer). Throws a bad-input error for a
 * payload that claims to be a buildable event but is malformed (no repository, a ref git would
 * refuse); events Roger does not build become `ignore` with the reason.
 */
export function parseEvent(event: string, payload: Json): HookIntent {
  switch (event) {
    case 'ping':
      return { kind: 'ping' };
    case 'push':
      return parsePush(payload);
    case 'create':
      return parseCreate(payload);
    case 'issue_comment':
      return parseComment(payload);
    default:
      return { kind: 'ignore', reason: `event "${event}" is not built` };
  }
}

function parsePush(p: Json): HookIntent {
  const repo = repository(p);
  const fullRef = text(p, 'ref', 'push payload has no ref');
  const split = splitRef(fullRef);
  if (!split) return { kind: 'ignore', reason: `ref "${fullRef.slice(0, 200)}" is neither a branch nor a tag`, repo };
  const ref = checkRefName(split.name);
  const after = typeof p.after === 'string' ? p.after : undefined;
  if (p.deleted === true || (after !== undefined && NULL_SHA.test(after))) {
    return { kind: 'ignore', reason: `${split.type} "${ref}" was deleted`, repo, ref };
  }
  // An annotated tag's `after` is the tag object; head_commit names the commit it points at.
  const head = object(p.head_commit);
  const commit = typeof head?.id === 'string' ? head.id : after;
  if (commit !== undefined && !SHA.test(commit)) throw badInput('push payload: "after" is not a commit sha');
  const marker = typeof head?.message === 'string' ? skipMarker(head.message) : undefined;
  if (marker !== undefined) return { kind: 'skip', reason: `the head commit message contains ${marker}`, repo, ref };
  const before = typeof p.before === 'string' ? p.before : '';
  if (split.type === 'tag' && (p.created === true || NULL_SHA.test(before))) {
    return { kind: 'build', repo, ref, refType: 'tag', commit, identity: newTagIdentity(repo, ref), windowMs: NEW_TAG_WINDOW_MS };
  }
  const identity = commit === undefined ? undefined : pushIdentity('github', repo, split.type, ref, before, commit);
  return { kind: 'build', repo, ref, refType: split.type, commit, identity };
}

function parseCreate(p: Json): HookIntent {
  const repo = repository(p);
  const refType = p.ref_type;
  const name = text(p, 'ref', 'create payload has no ref');
  if (refType !== 'tag') return { kind: 'ignore', reason: `created ${String(refType).slice(0, 20)}: the push event builds it`, repo };
  const ref = checkRefName(name.replace(/^refs\/tags\//, ''));
  return { kind: 'build', repo, ref, refType: 'tag', commit: undefined, identity: newTagIdentity(repo, ref), windowMs: NEW_TAG_WINDOW_MS };
}

function parseComment(p: Json): HookIntent {
  const repo = repository(p);
  const action = p.action;
  if (action !== 'created') return { kind: 'ignore', reason: `comment ${String(action).slice(0, 20)}, not created`, repo };
  const issue = object(p.issue);
  if (!issue) throw badInput('issue_comment payload has no issue');
  if (!object(issue.pull_request)) return { kind: 'ignore', reason: 'comment on an issue, not a pull request', repo };
  const comment = object(p.comment);
  if (typeof comment?.body !== 'string' || comment.body.trim().toLowerCase() !== BUILD_PLEASE) {
    return { kind: 'ignore', reason: `comment is not "${BUILD_PLEASE}"`, repo };
  }
  const number = issue.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw badInput('issue_comment payload: bad issue number');
  const owner = object(object(p.repository)?.owner)?.login;
  const name = object(p.repository)?.name;
  if (typeof owner !== 'string' || !NAME.test(owner)) throw badInput('issue_comment payload: bad repository owner');
  if (typeof name !== 'string' || !NAME.test(name)) throw badInput('issue_comment payload: bad repository name');
  // The payload has no head: the forge looks the pull request up after the answer.
  return { kind: 'request', repo, number, owner, name, identity: commentIdentity('github', repo, number, comment.id) };
}

/** `clone_url`, else `html_url`. */
function repository(p: Json): string {
  const repo = object(p.repository);
  if (!repo) throw badInput('the payload has no repository');
  const url = [repo.clone_url, repo.html_url].find((u): u is string => typeof u === 'string' && u !== '');
  if (url === undefined) throw badInput('the repository has neither clone_url nor html_url');
  // GitHub never sends a local path; one here is forged, even where builds.allowedSchemes has `file`.
  if (schemeOf(url) === 'file') throw badInput('the repository URL must be remote: file:// URLs and local paths are refused for webhooks');
  return url;
}
