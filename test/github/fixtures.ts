import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';

type Json = Record<string, unknown>;

interface Definition {
  name: string;
  examples: Json[];
}

const require = createRequire(import.meta.url);
/** GitHub's recorded payloads, as @octokit/webhooks-examples ships them (api.github.com/index.json). */
const definitions = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples'), 'utf8')) as Definition[];

/** A deep copy of the first recorded `event` payload `pick` accepts. */
export function example(event: string, pick: (p: Json) => boolean = () => true): Json {
  const found = definitions.find((d) => d.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no recorded ${event} payload matches`);
  return structuredClone(found);
}

export const pushToMaster = (): Json => example('push', (p) => p.ref === 'refs/heads/master' && p.deleted === false);
export const pushTag = (): Json => example('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === false);
export const pushDeleted = (): Json => example('push', (p) => p.deleted === true);
export const createTag = (): Json => example('create', (p) => p.ref_type === 'tag');
export const ping = (): Json => example('ping', (p) => typeof p.repository === 'object' && p.repository !== null);
export const issueComment = (): Json => example('issue_comment', (p) => p.action === 'created');

/**
 * Points the payload's repository at `repoUrl` (e.g. the local git server's `.../octo/app.git`):
 * clone_url, html_url, and owner/name as the URL's last two segments.
 */
export function rewriteRepo(payload: Json, repoUrl: string): Json {
  const repo = payload.repository as Json;
  const [owner, name] = repoUrl.replace(/\.git$/, '').split('/').slice(-2) as [string, string];
  repo.clone_url = repoUrl;
  repo.html_url = repoUrl.replace(/\.git$/, '');
  repo.name = name;
  repo.full_name = `${owner}/${name}`;
  (repo.owner as Json).login = owner;
  return payload;
}

let nextCommentId = 1;

/** A pull request comment saying `body` on PR `number` (the recorded comment is on an issue). */
export function prComment(repoUrl: string, number: number, body = 'build please!'): Json {
  const p = rewriteRepo(issueComment(), repoUrl);
  const issue = p.issue as Json;
  issue.number = number;
  issue.pull_request = { url: `https://api.github.com/repos/x/y/pulls/${number}` };
  (p.comment as Json).body = body;
  // Each call is a new comment: the same comment id twice is a replay.
  (p.comment as Json).id = nextCommentId++;
  return p;
}

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

/** Headers and body as GitHub would send them; `secret` undefined = unsigned. */
export async function githubRequest(
  event: string,
  payload: Json | string,
  opts: { secret?: string; delivery?: string; form?: boolean } = {},
): Promise<SignedRequest> {
  const json = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const body = opts.form ? new URLSearchParams({ payload: json }).toString() : json;
  const headers: Record<string, string> = {
    'content-type': opts.form ? 'application/x-www-form-urlencoded' : 'application/json',
    'x-github-event': event,
    'x-github-delivery': opts.delivery ?? crypto.randomUUID(),
    'user-agent': 'GitHub-Hookshot/test',
  };
  if (opts.secret !== undefined) headers['x-hub-signature-256'] = await sign(opts.secret, body);
  return { headers, body };
}
