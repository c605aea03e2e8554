import type { Config } from '../core/config.js';
import type { Notifier } from '../core/notifier.js';
import { createGitLabApi, type GitLabApi, type GitLabState } from '../forge/gitlab/api.js';
import { repoPathOn } from '../forge/locate.js';
import { forgeStatusNotifier } from './forge-status.js';
import type { CommitStatus } from '../forge/github/api.js';

const STATES: Record<CommitStatus['state'], GitLabState> = { pending: 'running', success: 'success', failure: 'failed', error: 'canceled' };

/** Commit statuses on GitLab (`POST /projects/:id/statuses/:sha`); needs gitlab.token. */
export function gitlabStatusNotifier(config: Config, api?: GitLabApi): Notifier | undefined {
  const token = config.gitlab.token;
  if (!token) return undefined;
  const gitlab = api ?? createGitLabApi({ apiUrl: config.gitlab.apiUrl, token });
  return forgeStatusNotifier('gitlab', config, {
    locate: (repo) => repoPathOn(repo, config.gitlab.apiUrl),
    describe: (path) => path,
    post: (path, sha, s, signal) => gitlab.createStatus(path, sha, { state: STATES[s.state], name: s.context, target_url: s.target_url, description: s.description }, signal),
  });
}
