import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = Record<string, unknown>;

const DIR = join(import.meta.dirname, '..', 'fixtures', 'forges');

/** A fresh copy of a recorded payload (see test/fixtures/forges/SOURCES.md). */
export function fixture(forge: 'gitlab' | 'gitea', name: string): Json {
  return JSON.parse(readFileSync(join(DIR, forge, `${name}.json`), 'utf8')) as Json;
}

/** Points a GitLab payload's project (and repository) at `url`, `path_with_namespace` its last two segments. */
export function gitlabRepo(p: Json, url: string): Json {
  const path = url.replace(/\.git$/, '').split('/').slice(-2).join('/');
  for (const key of ['project', 'repository']) {
    const project = p[key] as Json | undefined;
    if (project) Object.assign(project, { git_http_url: url, http_url: url, path_with_namespace: path });
  }
  const mr = p.merge_request as Json | undefined;
  for (const side of ['source', 'target']) if (mr?.[side]) Object.assign(mr[side] as Json, { git_http_url: url, http_url: url, path_with_namespace: path });
  return p;
}

/** Points a Gitea payload's repository at `url`: clone_url, html_url, owner and name. */
export function giteaRepo(p: Json, url: string): Json {
  const [owner, name] = url.replace(/\.git$/, '').split('/').slice(-2) as [string, string];
  const repo = p.repository as Json;
  Object.assign(repo, { clone_url: url, html_url: url.replace(/\.git$/, ''), name, full_name: `${owner}/${name}` });
  (repo.owner as Json).login = owner;
  return p;
}

export interface HookRequest {
  headers: Record<string, string>;
  body: string;
}

/** Headers and body as GitLab sends them; `token` undefined = no X-Gitlab-Token. */
export function gitlabRequest(event: string, payload: Json | string, token: string | undefined, id = crypto.randomUUID()): HookRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': id, 'user-agent': 'GitLab/17.0.0' };
  if (token !== undefined) headers['x-gitlab-token'] = token;
  return { headers, body: typeof payload === 'string' ? payload : JSON.stringify(payload) };
}

/** Headers and body as Gitea (or, with `forgejo`, Forgejo) sends them, signed over `signedBody` (default: the body). */
export function giteaRequest(
  event: string,
  payload: Json | string,
  secret: string,
  opts: { id?: string; forgejo?: boolean; signedBody?: string } = {},
): HookRequest {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = createHmac('sha256', secret).update(opts.signedBody ?? body).digest('hex');
  const prefix = opts.forgejo ? 'x-forgejo' : 'x-gitea';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [`${prefix}-event`]: event,
    [`${prefix}-delivery`]: opts.id ?? crypto.randomUUID(),
    [`${prefix}-signature`]: signature,
  };
  return { headers, body };
}
