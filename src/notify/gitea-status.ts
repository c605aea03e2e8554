import type { Config } from '../core/config.js';
import type { Notifier } from '../core/notifier.js';
import { createGiteaApi, type GiteaApi } from '../forge/gitea/api.js';
import { repoPathOn } from '../forge/locate.js';
import { forgeStatusNotifier } from './forge-status.js';

/** Commit statuses on Gitea or Forgejo (`POST /repos/{owner}/{repo}/statuses/{sha}`); needs gitea.apiUrl and gitea.token. */
export function giteaStatusNotifier(config: Config, api?: GiteaApi): Notifier | undefined {
  const { apiUrl, token } = config.gitea;
  if (apiUrl === null || !token) return undefined;
  const gitea = api ?? createGiteaApi({ apiUrl, token });
  return forgeStatusNotifier('gitea', config, {
    // Gitea repositories are `owner/name`, no deeper.
    locate: (repo) => {
      const path = repoPathOn(repo, apiUrl);
      const parts = path?.split('/');
      return parts?.length === 2 ? { owner: parts[0]!, repo: parts[1]! } : undefined;
    },
    describe: (w) => `${w.owner}/${w.repo}`,
    post: (w, sha, s, signal) => gitea.createStatus(w.owner, w.repo, sha, s, signal),
  });
}
