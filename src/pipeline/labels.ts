import { labelKeys } from '../engine/dockerfile.js';
import type { CheckedOut } from './types.js';

const PREFIX = 'org.opencontainers.image.';

/**
 * The OCI annotations Roger puts on every image it builds: where it came from (`source`, without any
 * credentials in the URL), which commit (`revision`), when (`created`), the image tag (`version`) and
 * the branch or git tag built (`ref.name`).
 */
export function ociLabels(co: Pick<CheckedOut, 'ref' | 'commit'>, repo: string, tag: string, now = new Date()): Record<string, string> {
  return {
    [`${PREFIX}source`]: withoutCredentials(repo),
    [`${PREFIX}revision`]: co.commit.sha,
    [`${PREFIX}created`]: now.toISOString(),
    [`${PREFIX}version`]: tag,
    [`${PREFIX}ref.name`]: co.ref,
  };
}

/**
 * Build-time labels override a Dockerfile's LABEL of the same key; Roger's are defaults, so the keys
 * the Dockerfile sets itself are left out.
 */
export function labelsNotIn(dockerfileText: string, labels: Record<string, string>): Record<string, string> {
  const own = labelKeys(dockerfileText);
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !own.has(key)));
}

function withoutCredentials(repo: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) return repo;
  try {
    const url = new URL(repo);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return repo.replace(/\/\/[^/@]*@/, '//');
  }
}
