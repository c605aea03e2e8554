import { badInput } from '../../core/errors.js';
import type { HookIntent, PullHead } from '../../core/forge.js';
import { checkRefName, schemeOf } from '../../git/url.js';
import { skipMarker } from '../github/parse.js';
import { commentIdentity, newTagIdentity, NEW_TAG_WINDOW_MS, pushIdentity } from '../identity.js';
import { BUILD_PLEASE, NULL_SHA, object, SHA, splitRef, text, type Json } from '../json.js';

/** Gitea and Forgejo owner and repository names; they become API path segments. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Turns a Gitea/Forgejo event (`X-Gitea-Event` or `X-Forgejo-Event`) into an intent: `push` builds the
 * pushed ref, `create` a new tag (its `push` twin is the same request), `issue_comment` "build please!"
 * on a pull request its head branch. A payload that does not fit its event is refused (bad input).
 */
export function parseGiteaEvent(event: string, p: Json): HookIntent {
  switch (event) {
    case 'push':
      return parsePush(p);
    case 'create':
      return parseCreate(p);
    case 'issue_comment':
    case 'pull_request_comment':
      return parseComment(p);
    default:
      return { kind: 'ignore', reason: `event "${event}" is not built` };
  }
}

function parsePush(p: Json): HookIntent {
  const repo = repository(p);
  const fullRef = text(p, 'ref', 'push payload has no ref');
  const split = splitRef(fullRef);
  if (!split) return { kind: 'ignore', reason: `ref "${fullRef.slice(0, 200)}" is neither a branch nor a tag`, repo: repo.url };
  const ref = checkRefName(split.name);
  const after = text(p, 'after', 'push payload has no "after" sha');
  if (!SHA.test(after)) throw badInput('push payload: "after" is not a commit sha');
  if (NULL_SHA.test(after)) return { kind: 'ignore', reason: `${split.type} "${ref}" was deleted`, repo: repo.url, ref };
  const head = object(p.head_commit);
  const commit = typeof head?.id === 'string' && SHA.test(head.id) ? head.id : after;
  const marker = typeof head?.message === 'string' ? skipMarker(head.message) : undefined;
  if (marker !== undefined) return { kind: 'skip', reason: `the head commit message contains ${marker}`, repo: repo.url, ref };
  const before = typeof p.before === 'string' ? p.before : '';
  if (split.type === 'tag' && NULL_SHA.test(before)) {
    return { kind: 'build', repo: repo.url, ref, refType: 'tag', commit, identity: newTagIdentity(repo.url, ref), windowMs: NEW_TAG_WINDOW_MS };
  }
  return { kind: 'build', repo: repo.url, ref, refType: split.type, commit, identity: pushIdentity('gitea', repo.url, split.type, ref, before, after) };
}

function parseCreate(p: Json): HookIntent {
  const repo = repository(p);
  const name = text(p, 'ref', 'create payload has no ref');
  if (p.ref_type !== 'tag') return { kind: 'ignore', reason: `created ${String(p.ref_type).slice(0, 20)}: the push event builds it`, repo: repo.url };
  const ref = checkRefName(name.replace(/^refs\/tags\//, ''));
  const sha = typeof p.sha === 'string' && SHA.test(p.sha) ? p.sha : undefined;
  return { kind: 'build', repo: repo.url, ref, refType: 'tag', commit: sha, identity: newTagIdentity(repo.url, ref), windowMs: NEW_TAG_WINDOW_MS };
}

function parseComment(p: Json): HookIntent {
  const repo = repository(p);
  if (p.action !== 'created') return { kind: 'ignore', reason: `comment ${String(p.action).slice(0, 20)}, not created`, repo: repo.url };
  const issue = object(p.issue);
  if (!issue) throw badInput('issue_comment payload has no issue');
  if (p.is_pull !== true && !object(issue.pull_request)) return { kind: 'ignore', reason: 'comment on an issue, not a pull request', repo: repo.url };
  const comment = object(p.comment);
  if (typeof comment?.body !== 'string' || comment.body.trim().toLowerCase() !== BUILD_PLEASE) {
    return { kind: 'ignore', reason: `comment is not "${BUILD_PLEASE}"`, repo: repo.url };
  }
  const number = issue.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw badInput('issue_comment payload: bad issue number');
  const head = pullHead(object(p.pull_request));
  return {
    kind: 'request',
    repo: repo.url,
    number,
    owner: repo.owner,
    name: repo.name,
    ...(head === undefined ? {} : { head }),
    identity: commentIdentity('gitea', repo.url, number, comment.id),
  };
}

/** The head of a pull request object (the payload's, newer Gitea versions send it, or the API's). */
export function pullHead(pr: Json | undefined): PullHead | undefined {
  const head = object(pr?.head);
  const base = object(pr?.base);
  if (!head || !base || typeof head.ref !== 'string' || typeof head.sha !== 'string' || !SHA.test(head.sha)) return undefined;
  const headRepo = head.repo_id ?? object(head.repo)?.id;
  const baseRepo = base.repo_id ?? object(base.repo)?.id;
  if (headRepo === undefined || baseRepo === undefined) return undefined;
  return { branch: checkRefName(head.ref), sha: head.sha, fromFork: headRepo !== baseRepo };
}

function repository(p: Json): { url: string; owner: string; name: string } {
  const repo = object(p.repository);
  if (!repo) throw badInput('the payload has no repository');
  const url = [repo.clone_url, repo.html_url].find((u): u is string => typeof u === 'string' && u !== '');
  if (url === undefined) throw badInput('the repository has neither clone_url nor html_url');
  // Gitea never sends a local path; one here is forged, even where builds.allowedSchemes has `file`.
  if (schemeOf(url) === 'file') throw badInput('the repository URL must be remote: file:// URLs and local paths are refused for webhooks');
  const owner = object(repo.owner)?.login ?? object(repo.owner)?.username;
  const name = repo.name;
  if (typeof owner !== 'string' || !NAME.test(owner)) throw badInput('the payload has no valid repository.owner.login');
  if (typeof name !== 'string' || !NAME.test(name)) throw badInput('the payload has no valid repository.name');
  return { url, owner, name };
}
