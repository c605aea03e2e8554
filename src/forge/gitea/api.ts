import { notFound, systemError } from '../../core/errors.js';
import type { PullHead } from '../../core/forge.js';
import { post } from '../../notify/http.js';
import { pullHead } from './parse.js';

/** Gitea's commit status states Roger uses. */
export type GiteaState = 'pending' | 'success' | 'failure' | 'error';

export interface GiteaStatus {
  state: GiteaState;
  context: string;
  target_url: string;
  description: string;
}

/** The parts of Gitea's (and Forgejo's) REST API Roger uses. */
export interface GiteaApi {
  /** `POST /repos/{owner}/{repo}/statuses/{sha}`. One attempt; throws a NotifyError. */
  createStatus(owner: string, repo: string, sha: string, status: GiteaStatus, signal: AbortSignal): Promise<void>;
  /** `GET /repos/{owner}/{repo}/pulls/{index}`; a not-found error when Gitea does not know it. */
  getPullHead(owner: string, repo: string, number: number): Promise<PullHead>;
}

/** Plain fetch at `apiUrl` (`https://HOST/api/v1`) with `Authorization: token …`. */
export function createGiteaApi(opts: { apiUrl: string; token: string | null }): GiteaApi {
  const base = opts.apiUrl.replace(/\/+$/, '');
  const auth: Record<string, string> = opts.token ? { authorization: `token ${opts.token}` } : {};
  const path = (owner: string, repo: string) => `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  return {
    async createStatus(owner, repo, sha, status, signal) {
      await post(`${path(owner, repo)}/statuses/${encodeURIComponent(sha)}`, JSON.stringify(status), { 'content-type': 'application/json', 'user-agent': 'roger', ...auth }, signal);
    },
    async getPullHead(owner, repo, number) {
      const what = `GET pull request ${owner}/${repo}#${number}`;
      let res: Response;
      try {
        res = await fetch(`${path(owner, repo)}/pulls/${number}`, { headers: { accept: 'application/json', 'user-agent': 'roger', ...auth }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        throw systemError(`${what} failed: ${err instanceof Error ? err.message : String(err)}`, err);
      }
      if (res.status === 404) throw notFound(`${what}: not found`);
      if (!res.ok) throw systemError(`${what} failed (HTTP ${res.status})`);
      const head = pullHead((await res.json().catch(() => undefined)) as Record<string, unknown> | undefined);
      if (head === undefined) throw systemError(`${what}: the answer names no head`);
      return head;
    },
  };
}
