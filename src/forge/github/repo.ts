import { locate } from '../locate.js';

export interface RepoName {
  owner: string;
  repo: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * The web host of the GitHub that `apiUrl` serves: `api.github.com` -> `github.com`,
 * `https://HOST/api/v3` (GitHub Enterprise) -> `HOST`.
 */
export function forgeHost(apiUrl: string): string | undefined {
  try {
    const host = new URL(apiUrl).hostname.toLowerCase();
    return host === 'api.github.com' ? 'github.com' : host;
  } catch {
    return undefined;
  }
}

/**
 * Owner and repository of a clone URL on the GitHub that `apiUrl` serves (https, ssh and scp-like
 * `git@host:owner/repo.git` forms), or undefined for a repository elsewhere. Ports are ignored: an
 * Enterprise host serves git and the API on different ones.
 */
export function githubRepo(url: string, apiUrl: string): RepoName | undefined {
  const host = forgeHost(apiUrl);
  const where = locate(url);
  if (host === undefined || where === undefined || where.host !== host) return undefined;
  const parts = where.path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '').split('/');
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts as [string, string];
  return NAME.test(owner) && NAME.test(repo) ? { owner, repo } : undefined;
}

