import { post } from '../../notify/http.js';

/** GitLab's commit status states Roger uses. */
export type GitLabState = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

export interface GitLabStatus {
  state: GitLabState;
  /** GitLab's name for the context. */
  name: string;
  target_url: string;
  description: string;
}

/** The part of GitLab's REST API Roger uses. */
export interface GitLabApi {
  /** `POST /projects/:id/statuses/:sha`, the project named by its path. One attempt; throws a NotifyError. */
  createStatus(projectPath: string, sha: string, status: GitLabStatus, signal: AbortSignal): Promise<void>;
}

/** Plain fetch at `apiUrl` (`https://HOST/api/v4`) with the `PRIVATE-TOKEN` header. */
export function createGitLabApi(opts: { apiUrl: string; token: string }): GitLabApi {
  const base = opts.apiUrl.replace(/\/+$/, '');
  return {
    async createStatus(projectPath, sha, status, signal) {
      const url = `${base}/projects/${encodeURIComponent(projectPath)}/statuses/${encodeURIComponent(sha)}`;
      await post(url, JSON.stringify(status), { 'content-type': 'application/json', 'private-token': opts.token, 'user-agent': 'roger' }, signal);
    },
  };
}
