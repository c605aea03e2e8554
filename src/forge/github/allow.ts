type Json = Record<string, unknown>;

/** GitHub's `owner/name`. */
const FULL_NAME = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/**
 * `github.repositories`: which repositories may trigger webhook builds (`owner/name` or `owner/*`,
 * case-insensitive); an empty list allows every one. The payload's `repository.full_name` is matched,
 * and the URLs Roger would clone or look up must name that same repository, so an allowed name cannot
 * carry another repository's clone URL. Returns why a payload is refused, or undefined.
 */
export function refusedRepository(patterns: readonly string[], payload: Json): string | undefined {
  if (patterns.length === 0) return undefined;
  const repo = object(payload.repository);
  // Nothing to build without a repository (an organisation's ping); the parser refuses buildable events.
  if (repo === undefined) return undefined;
  const fullName = repo.full_name;
  if (typeof fullName !== 'string' || !FULL_NAME.test(fullName)) return 'the payload has no valid repository.full_name (github.repositories is set)';
  const name = fullName.toLowerCase();
  if (!patterns.some((p) => matches(p.toLowerCase(), name))) return `repository ${fullName} is not in github.repositories`;
  for (const key of ['clone_url', 'html_url'] as const) {
    const url = repo[key];
    if (url !== undefined && url !== null && !namesRepository(url, name)) return `repository.${key} does not name ${fullName}`;
  }
  const owner = object(repo.owner)?.login;
  if (repo.name !== undefined && `${String(owner)}/${String(repo.name)}`.toLowerCase() !== name) {
    return `repository.owner.login and repository.name do not name ${fullName}`;
  }
  return undefined;
}

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** `https://host/owner/name` or `…/owner/name.git`; any host (GitHub Enterprise has its own). */
function namesRepository(url: unknown, fullName: string): boolean {
  if (typeof url !== 'string') return false;
  let path: string;
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') return false;
    // Not decoded: %2F is not a path separator to the server that receives it.
    path = parsed.pathname.toLowerCase();
  } catch {
    return false;
  }
  return path === `/${fullName}` || path === `/${fullName}.git`;
}

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
