import { badInput } from '../../core/errors.js';
import { checkRefName, schemeOf } from '../../git/url.js';

export type RefType = 'branch' | 'tag';

/** What a webhook delivery asks Roger to do. */
export type WebhookIntent =
  | {
      kind: 'build';
      /** `clone_url`, else `html_url`; checked against builds.allowedSchemes when the build is requested. */
      repo: string;
      /** Branch or tag name, without `refs/heads/` or `refs/tags/`. */
      ref: string;
      refType: RefType;
      /** Unknown for `create` events. */
      commit: string | undefined;
      defaultBranch: string | undefined;
    }
  | { kind: 'prComment'; owner: string; repo: string; number: number; repoUrl: string }
  | { kind: 'ping' }
  /** A push whose head commit message carries a skip marker: recorded, nothing built. */
  | { kind: 'skip'; reason: string; repo: string; ref: string }
  | { kind: 'ignore'; reason: string; repo?: string; ref?: string };

type Json = Record<string, unknown>;

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const NULL_SHA = /^0+$/;
/** GitHub owner and repository names; they become API path segments. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const BUILD_PLEASE = 'build please!';
/** The markers of GitHub Actions, Drone and Woodpecker, plus Roger's own; any case. */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip roger]', '[roger skip]'] as const;

/** The first skip marker in a commit message, or undefined. */
export function skipMarker(message: string): string | undefined {
  const lower = message.toLowerCase();
  return SKIP_MARKERS.find((m) => lower.includes(m));
}

/**
 * Turns a GitHub event into an intent. Throws a bad-input error for a payload that claims to be a
 * buildable event but is malformed (no repository, a ref git would refuse); events Roger does not
 * build become `ignore` with the reason.
 */
export function parseEvent(event: string, payload: Json): WebhookIntent {
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

function parsePush(p: Json): WebhookIntent {
  const repo = repository(p);
  const fullRef = text(p, 'ref', 'push payload has no ref');
  const split = splitRef(fullRef);
  if (!split) return { kind: 'ignore', reason: `ref "${fullRef.slice(0, 200)}" is neither a branch nor a tag`, repo: repo.url };
  const ref = checkRefName(split.name);
  const after = typeof p.after === 'string' ? p.after : undefined;
  if (p.deleted === true || (after !== undefined && NULL_SHA.test(after))) {
    return { kind: 'ignore', reason: `${split.type} "${ref}" was deleted`, repo: repo.url, ref };
  }
  // An annotated tag's `after` is the tag object; head_commit names the commit it points at.
  const headCommit = object(p.head_commit)?.id;
  const commit = typeof headCommit === 'string' ? headCommit : after;
  if (commit !== undefined && !SHA.test(commit)) throw badInput('push payload: "after" is not a commit sha');
  const message = object(p.head_commit)?.message;
  const marker = typeof message === 'string' ? skipMarker(message) : undefined;
  if (marker !== undefined) return { kind: 'skip', reason: `the head commit message contains ${marker}`, repo: repo.url, ref };
  return { kind: 'build', repo: repo.url, ref, refType: split.type, commit, defaultBranch: repo.defaultBranch };
}

function parseCreate(p: Json): WebhookIntent {
  const repo = repository(p);
  const refType = p.ref_type;
  const name = text(p, 'ref', 'create payload has no ref');
  if (refType !== 'tag') return { kind: 'ignore', reason: `created ${String(refType).slice(0, 20)}: the push event builds it`, repo: repo.url };
  const ref = checkRefName(name.replace(/^refs\/tags\//, ''));
  return { kind: 'build', repo: repo.url, ref, refType: 'tag', commit: undefined, defaultBranch: repo.defaultBranch };
}

function parseComment(p: Json): WebhookIntent {
  const repo = repository(p);
  const action = p.action;
  if (action !== 'created') return { kind: 'ignore', reason: `comment ${String(action).slice(0, 20)}, not created`, repo: repo.url };
  const issue = object(p.issue);
  if (!issue) throw badInput('issue_comment payload has no issue');
  if (!object(issue.pull_request)) return { kind: 'ignore', reason: 'comment on an issue, not a pull request', repo: repo.url };
  const body = object(p.comment)?.body;
  if (typeof body !== 'string' || body.trim().toLowerCase() !== BUILD_PLEASE) {
    return { kind: 'ignore', reason: `comment is not "${BUILD_PLEASE}"`, repo: repo.url };
  }
  const number = issue.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw badInput('issue_comment payload: bad issue number');
  const owner = object(object(p.repository)?.owner)?.login;
  const name = object(p.repository)?.name;
  if (typeof owner !== 'string' || !NAME.test(owner)) throw badInput('issue_comment payload: bad repository owner');
  if (typeof name !== 'string' || !NAME.test(name)) throw badInput('issue_comment payload: bad repository name');
  return { kind: 'prComment', owner, repo: name, number, repoUrl: repo.url };
}

function repository(p: Json): { url: string; defaultBranch: string | undefined } {
  const repo = object(p.repository);
  if (!repo) throw badInput('the payload has no repository');
  const url = [repo.clone_url, repo.html_url].find((u): u is string => typeof u === 'string' && u !== '');
  if (url === undefined) throw badInput('the repository has neither clone_url nor html_url');
  // GitHub never sends a local path; one here is forged, even where builds.allowedSchemes has `file`.
  if (schemeOf(url) === 'file') throw badInput('the repository URL must be remote: file:// URLs and local paths are refused for webhooks');
  const branch = repo.default_branch;
  return { url, defaultBranch: typeof branch === 'string' && branch !== '' ? branch : undefined };
}

function splitRef(ref: string): { type: RefType; name: string } | undefined {
  if (ref.startsWith('refs/heads/')) return { type: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { type: 'tag', name: ref.slice('refs/tags/'.length) };
  return undefined;
}

function text(p: Json, key: string, missing: string): string {
  const value = p[key];
  if (typeof value !== 'string' || value === '') throw badInput(missing);
  return value;
}

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
