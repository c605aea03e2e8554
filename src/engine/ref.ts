/**
 * Image reference helpers, following Docker's reference grammar (distribution/reference) closely
 * enough for what Roger does with references: find the registry to authenticate against, and split
 * a reference into the repository and tag the tag endpoint wants.
 */

/**
 * The registry host of an image reference: the first path segment when it looks like a host (has a
 * `.` or `:`, is `localhost`, or has upper case, which repository names may not), else Docker Hub.
 */
export function registryOf(imageRef: string): string {
  const slash = imageRef.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = imageRef.slice(0, slash);
  const isHost = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
  if (!isHost) return 'docker.io';
  // Docker treats the legacy index name as Docker Hub too.
  return first === 'index.docker.io' ? 'docker.io' : first;
}

/** `127.0.0.1:5000/app:1` -> { repo: '127.0.0.1:5000/app', tag: '1' }; no tag means `latest`. */
export function splitTag(imageRef: string): { repo: string; tag: string } {
  const withoutDigest = imageRef.split('@')[0] ?? imageRef;
  const colon = withoutDigest.lastIndexOf(':');
  // A colon before the last slash belongs to the registry's port, not to a tag.
  if (colon > withoutDigest.lastIndexOf('/')) {
    return { repo: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
  }
  return { repo: withoutDigest, tag: 'latest' };
}

/**
 * One spelling per image for comparing references: Docker Hub's implied `docker.io/library/` and an
 * implied `:latest` are written out (`busybox` -> `docker.io/library/busybox:latest`). Undefined for a
 * reference pinned by digest: it names content, not a tag a push could move.
 */
export function normalizeRef(imageRef: string): string | undefined {
  if (imageRef.includes('@')) return undefined;
  const { repo, tag } = splitTag(imageRef);
  if (registryOf(repo) !== 'docker.io') return `${repo}:${tag}`;
  const path = repo.replace(/^(?:index\.)?docker\.io\//, '');
  return `docker.io/${path.includes('/') ? path : `library/${path}`}:${tag}`;
}
