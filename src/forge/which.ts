import type { BuildRecord } from '../core/build.js';
import type { Config } from '../core/config.js';
import type { ForgeName } from '../core/forge.js';
import { forgeHost } from './github/repo.js';
import { apiHost, locate } from './locate.js';

/**
 * The forge a build reports to: the one whose webhook asked for it (recorded in its options), else
 * the one whose host serves the repository (GitLab, Gitea, then GitHub), else GitHub.
 */
export function buildForge(build: Pick<BuildRecord, 'options' | 'repo'>, config: Config): ForgeName {
  if (build.options.forge !== undefined) return build.options.forge;
  return hostForge(build.repo, config) ?? 'github';
}

/** The configured forge whose API host is the repository URL's host, or undefined. */
export function hostForge(repo: string, config: Config): ForgeName | undefined {
  const host = locate(repo)?.host;
  if (host === undefined) return undefined;
  if (host === forgeHost(config.github.apiUrl)) return 'github';
  if (host === apiHost(config.gitlab.apiUrl)) return 'gitlab';
  if (host === apiHost(config.gitea.apiUrl)) return 'gitea';
  return undefined;
}
