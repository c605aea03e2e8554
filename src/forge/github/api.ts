import { Octokit } from '@octokit/rest';
import { notFound, RogerError, systemError } from '../../core/errors.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../core/retry.js';

export type StatusState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  state: StatusState;
  target_url: string;
  description: string;
  context: string;
}

export interface PullHead {
  branch: string;
  sha: string;
  /** The head repository's clone URL (a fork's, for pull requests from forks). */
  cloneUrl: string;
  /** True when the head branch lives in another repository than the pull request's base. */
  fromFork: boolean;
}

/** The parts of GitHub's REST API Roger uses. */
export interface GitHubApi {
  /** The pull request's head; a not-found error when GitHub does not know it (or the token cannot see it). */
  getPullHead(owner: string, repo: string, number: number): Promise<PullHead>;
  /** `POST /repos/{owner}/{repo}/statuses/{sha}`. */
  createStatus(owner: string, repo: string, sha: string, status: CommitStatus): Promise<void>;
}

export interface GitHubApiOptions {
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise. */
  apiUrl: string;
  token: string | null;
  retry?: Partial<RetryPolicy>;
}

/** Octokit at `apiUrl`, with bounded retries; errors leave as RogerErrors with the HTTP status in the message. */
export function createGitHubApi(opts: GitHubApiOptions): GitHubApi {
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const octokit = new Octokit({
    auth: opts.token ?? undefined,
    baseUrl: opts.apiUrl.replace(/\/+$/, ''),
    userAgent: 'roger',
    // Octokit's own warnings (deprecations) would go to the console; the caller logs failures.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return {
    async getPullHead(owner, repo, number) {
      try {
        const { data } = await withRetry(policy, (signal) => octokit.rest.pulls.get({ owner, repo, pull_number: number, request: { signal } }));
        const head = data.head;
        const cloneUrl = head.repo?.clone_url;
        if (!cloneUrl) throw notFound(`pull request #${number}: its head repository is gone`);
        return { branch: head.ref, sha: head.sha, cloneUrl, fromFork: head.repo?.full_name !== data.base.repo.full_name };
      } catch (err) {
        throw describe(err, `GET pull request ${owner}/${repo}#${number}`);
      }
    },
    async createStatus(owner, repo, sha, status) {
      try {
        await withRetry(policy, (signal) => octokit.rest.repos.createCommitStatus({ owner, repo, sha, ...status, request: { signal } }));
      } catch (err) {
        throw describe(err, `POST status for ${owner}/${repo}@${sha.slice(0, 12)}`);
      }
    },
  };
}

/** A RogerError naming the call and GitHub's answer; 404 becomes not-found. Octokit's error is the cause. */
function describe(err: unknown, what: string): RogerError {
  if (err instanceof RogerError) return err;
  const status = (err as { status?: unknown }).status;
  const message = err instanceof Error ? err.message : String(err);
  if (status === 404) return notFound(`${what}: not found`);
  return systemError(`${what} failed${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${message.slice(0, 300)}`, err);
}
