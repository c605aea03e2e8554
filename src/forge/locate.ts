/** Host and path of a clone URL: https, ssh and scp-like `git@host:owner/repo.git` forms. */
export function locate(url: string): { host: string; path: string } | undefined {
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/)(.+)$/.exec(url);
  if (scp?.[1] !== undefined && scp[2] !== undefined && !url.includes('://')) return { host: scp[1].toLowerCase(), path: scp[2] };
  try {
    const u = new URL(url);
    return { host: u.hostname.toLowerCase(), path: decodeURIComponent(u.pathname) };
  } catch {
    return undefined;
  }
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,255}$/;

/**
 * The repository's path (`group/sub/name`) on the forge whose API is at `apiUrl` (`https://HOST/api/v4`
 * or `https://HOST/gitea/api/v1`: the web root is what precedes `/api/`), or undefined for a repository
 * elsewhere. Ports are ignored: a forge may serve git and its API on different ones.
 */
export function repoPathOn(url: string, apiUrl: string | null): string | undefined {
  if (apiUrl === null) return undefined;
  let host: string;
  let root: string;
  try {
    const api = new URL(apiUrl);
    host = api.hostname.toLowerCase();
    root = api.pathname.replace(/\/api\/v\d+\/?$/, '').replace(/\/+$/, '');
  } catch {
    return undefined;
  }
  const where = locate(url);
  if (where === undefined || where.host !== host) return undefined;
  let path = `/${where.path.replace(/^\/+/, '')}`;
  if (root !== '') {
    if (!path.startsWith(`${root}/`)) return undefined;
    path = path.slice(root.length);
  }
  const parts = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '').split('/');
  return parts.length >= 2 && parts.every((p) => SEGMENT.test(p) && p !== '.' && p !== '..') ? parts.join('/') : undefined;
}

/** The host name the forge at `apiUrl` serves, lower-case; undefined for a malformed or missing URL. */
export function apiHost(apiUrl: string | null): string | undefined {
  if (apiUrl === null) return undefined;
  try {
    return new URL(apiUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
