import { toError } from '../core/errors.js';
import type { Logger } from 'pino';
import { projectShortName, type BuildRecord } from '../core/build.js';
import type { Config } from '../core/config.js';
import type { Notifier } from '../core/notifier.js';
import { createGitHubApi, type CommitStatus, type GitHubApi } from '../forge/github/api.js';
import { githubRepo } from '../forge/github/repo.js';

export const STATUS_CONTEXT = 'continuous-integration/roger';
const MAX_DESCRIPTION = 140;

export interface GitHubStatusDeps {
  config: Config;
  log: Pick<Logger, 'warn' | 'debug'>;
  /** Defaults to Octokit at `github.apiUrl` with the token. */
  api?: GitHubApi;
}

/** A Notifier whose sends run in the background; `idle()` resolves once every queued send settled. */
export interface GitHubStatusNotifier extends Notifier {
  idle(): Promise<void>;
}

/**
 * Commit statuses on GitHub: `pending` when a build starts, `success`, `failure` or `error` (canceled)
 * when it ends. Sends never hold a build up: they run in the background, in order per build, and a
 * status that cannot be sent is logged and dropped.
 */
export function githubStatusNotifier(deps: GitHubStatusDeps): GitHubStatusNotifier {
  const { config, log } = deps;
  const token = statusToken(config);
  const api = deps.api ?? createGitHubApi({ apiUrl: config.github.apiUrl, token });
  const chains = new Map<string, Promise<void>>();

  const send = (build: BuildRecord, status: CommitStatus | undefined, notify?: readonly string[]): void => {
    if (!status || !token || !wantsStatus(build, config, notify)) return;
    const where = githubRepo(build.repo, config.github.apiUrl);
    const sha = build.commit;
    if (!where || !sha) return;
    const previous = chains.get(build.id) ?? Promise.resolve();
    const next = previous
      .then(() => api.createStatus(where.owner, where.repo, sha, status))
      .catch((err: unknown) => log.warn(`GitHub status "${status.state}" for build ${build.id} not sent: ${toError(err).message}`))
      .finally(() => {
        if (chains.get(build.id) === next) chains.delete(build.id);
      });
    chains.set(build.id, next);
  };

  return {
    started: async (build, project) => send(build, statusFor(build, 'started', config), project?.notify),
    finished: async (build, project) => send(build, statusFor(build, 'finished', config), project?.notify),
    idle: async () => {
      while (chains.size > 0) await Promise.allSettled([...chains.values()]);
    },
  };
}

/**
 * Whether a build reports to GitHub. `notifications.github.global: true` means every build. Otherwise
 * the project's `notify` list decides (`notify: [github]`). When build.yml was never read (the checkout
 * failed), a webhook build still reports its failure: its commit lives on GitHub and waits for a status.
 */
export function wantsStatus(build: BuildRecord, config: Config, notify?: readonly string[]): boolean {
  const global = config.notifications.github?.global;
  if (global === true || global === 'true') return true;
  if (notify !== undefined) return notify.includes('github');
  return build.trigger === 'webhook';
}

/** Roger's `notifications.github.token`, else `auth.github`. */
export function statusToken(config: Config): string | null {
  const own = config.notifications.github?.token;
  if (typeof own === 'string' && own !== '') return own;
  return config.auth.github;
}

export function statusFor(build: BuildRecord, phase: 'started' | 'finished', config: Config): CommitStatus | undefined {
  const base = { context: statusContext(build), target_url: buildPageUrl(config.app.url, build.id) };
  const image = build.tag ?? build.project;
  if (phase === 'started') return { ...base, state: 'pending', description: clip(`Building ${image}`) };
  switch (build.status) {
    case 'passed':
      return { ...base, state: 'success', description: clip(`Built ${image}`) };
    case 'failed':
      return { ...base, state: 'failure', description: clip(`Failed: ${build.error ?? image}`) };
    case 'canceled':
      // A build settings.matching skipped never started, so GitHub has nothing to hear about it.
      if (build.error?.startsWith('skipped:')) return undefined;
      return { ...base, state: 'error', description: clip(`Canceled: ${build.error ?? image}`) };
    default:
      return undefined;
  }
}

/**
 * Roger's context for a request's first build; each further project of the same build.yml gets its own
 * (`…/roger/<project>`), so a failing project cannot be hidden by a passing one posted later.
 */
export function statusContext(build: BuildRecord): string {
  return build.id === build.groupId ? STATUS_CONTEXT : `${STATUS_CONTEXT}/${projectShortName(build.project, build.repo)}`;
}

/** The build's page in the web UI. */
export function buildPageUrl(appUrl: string, id: string): string {
  return `${appUrl.replace(/\/+$/, '')}/builds/${encodeURIComponent(id)}`;
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_DESCRIPTION ? line : `${line.slice(0, MAX_DESCRIPTION - 1)}…`;
}
