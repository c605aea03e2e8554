import { badInput } from '../../core/errors.js';
import type { HookIntent } from '../../core/forge.js';
import { checkRefName, schemeOf } from '../../git/url.js';
import { skipMarker } from '../github/parse.js';
import { commentIdentity, pushIdentity } from '../identity.js';
import { BUILD_PLEASE, NULL_SHA, object, SHA, splitRef, text, type Json } from '../json.js';

/**
 * Turns a GitLab event (the `X-Gitlab-Event` header) into an intent: `Push Hook` and `Tag Push Hook`
 * build the pushed ref at the pushed commit, `Note Hook` "build please!" on a merge request builds its
 * source branch, never one from a fork. A payload that does not fit its event is refused (bad input).
 */
export function parseGitLabEvent(event: string, p: Json): HookIntent {
  switch (event) {
    case 'Push Hook':
    case 'Tag Push Hook':
      return parsePush(event, p);
    case 'Note Hook':
      return parseNote(p);
    default:
      return { kind: 'ignore', reason: `event "${event}" is not built` };
  }
}

function parsePush(event: string, p: Json): HookIntent {
  const kind = event === 'Push Hook' ? 'push' : 'tag_push';
  if (p.object_kind !== kind) throw badInput(`${event} payload: object_kind is not "${kind}"`);
  const repo = repository(p);
  const fullRef = text(p, 'ref', `${event} payload has no ref`);
  const split = splitRef(fullRef);
  if (!split || (split.type === 'tag') !== (kind === 'tag_push')) throw badInput(`${event} payload: ref "${fullRef.slice(0, 200)}" does not fit the event`);
  const ref = checkRefName(split.name);
  const after = text(p, 'after', `${event} payload has no "after" sha`);
  if (!SHA.test(after)) throw badInput(`${event} payload: "after" is not a commit sha`);
  if (NULL_SHA.test(after)) return { kind: 'ignore', reason: `${split.type} "${ref}" was deleted`, repo, ref };
  // An annotated tag's `after` is the tag object; checkout_sha is the commit it points at.
  const checkout = p.checkout_sha;
  const commit = typeof checkout === 'string' && SHA.test(checkout) ? checkout : after;
  const head = Array.isArray(p.commits) ? p.commits.map(object).find((c) => c?.id === commit) : undefined;
  const marker = typeof head?.message === 'string' ? skipMarker(head.message) : undefined;
  if (marker !== undefined) return { kind: 'skip', reason: `the head commit message contains ${marker}`, repo, ref };
  const before = typeof p.before === 'string' ? p.before : '';
  return { kind: 'build', repo, ref, refType: split.type, commit, identity: pushIdentity('gitlab', repo, split.type, ref, before, after) };
}

function parseNote(p: Json): HookIntent {
  if (p.object_kind !== 'note') throw badInput('Note Hook payload: object_kind is not "note"');
  const note = object(p.object_attributes);
  if (!note) throw badInput('Note Hook payload has no object_attributes');
  const repo = repository(p);
  if (note.noteable_type !== 'MergeRequest') return { kind: 'ignore', reason: `note on ${describe(note.noteable_type)}, not a merge request`, repo };
  // Older GitLab sends no action; newer ones say `create` or `update`.
  if (note.action !== undefined && note.action !== 'create') return { kind: 'ignore', reason: `note ${String(note.action).slice(0, 20)}, not created`, repo };
  if (typeof note.note !== 'string' || note.note.trim().toLowerCase() !== BUILD_PLEASE) return { kind: 'ignore', reason: `note is not "${BUILD_PLEASE}"`, repo };
  const mr = object(p.merge_request);
  if (!mr) throw badInput('Note Hook payload on a merge request has no merge_request');
  const number = mr.iid;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw badInput('Note Hook payload: bad merge_request.iid');
  const branch = checkRefName(text(mr, 'source_branch', 'Note Hook payload: merge_request has no source_branch'));
  const sha = object(mr.last_commit)?.id;
  if (typeof sha !== 'string' || !SHA.test(sha)) throw badInput('Note Hook payload: merge_request.last_commit.id is not a commit sha');
  const source = mr.source_project_id;
  const target = mr.target_project_id;
  if (typeof source !== 'number' || typeof target !== 'number') throw badInput('Note Hook payload: merge_request has no source and target project ids');
  const path = object(p.project)?.path_with_namespace;
  const [owner, name] = typeof path === 'string' ? splitPath(path) : ['', ''];
  return {
    kind: 'request',
    repo,
    number,
    owner,
    name,
    head: { branch, sha, fromFork: source !== target },
    identity: commentIdentity('gitlab', repo, number, note.id),
  };
}

/** The project's http(s) clone URL (the token goes over https only; ssh needs no token). */
function repository(p: Json): string {
  const project = object(p.project) ?? object(p.repository);
  if (!project) throw badInput('the payload has no project');
  const url = [project.git_http_url, project.http_url, object(p.repository)?.git_http_url].find((u): u is string => typeof u === 'string' && u !== '');
  if (url === undefined) throw badInput('the project has no git_http_url');
  // GitLab never sends a local path; one here is forged, even where builds.allowedSchemes has `file`.
  if (schemeOf(url) === 'file') throw badInput('the repository URL must be remote: file:// URLs and local paths are refused for webhooks');
  return url;
}

function splitPath(path: string): [string, string] {
  const at = path.lastIndexOf('/');
  return at === -1 ? ['', path] : [path.slice(0, at), path.slice(at + 1)];
}

const describe = (type: unknown): string => (typeof type === 'string' ? `an ${type.slice(0, 40)}`.replace(/^an ([^AEIOU])/, 'a $1') : 'something');
