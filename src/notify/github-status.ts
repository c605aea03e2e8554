import { type BuildRecord, projectShortName } from '../core/build.js';
import type { Config } from '../core/config.js';
import { NotifyError, type Notifier } from '../core/notifier.js';
import { createGitHubApi, type CommitStatus, type GitHubApi } from '../forge/github/api.js';
import { githubRepo } from '../forge/github/repo.js';
import { abortable, retryableStatus } from './http.js';

export const STATUS_CONTEXT = 'continuous-integration/roger';
const MAX_DESCRIPTION = 140;

/**
 * Commit statuses on GitHub: `pending` when a build starts, `success`, `failure` or `error` (canceled)
 * when it ends, always on the commit the checkout resolved (never a sha a webhook merely claimed).
 * Needs `notifications.github.token` or `auth.github`; `api` defaults to Octokit at `github.apiUrl`.
 */
export function githubStatusNotifier(config: Config, api?: GitHubApi): Notifier | undefined {
  const token = statusToken(config);
  if (!token) return undefined;
  // One attempt per call: the dispatcher retries, so each attempt is recorded.
  const github = api ?? createGitHubApi({ apiUrl: config.github.apiUrl, token, retry: { attempts: 1 } });
  return {
    name: 'github',
    wants: (n) => n.commit !== undefined && statusFor(n.build, n.event, config) !== undefined && githubRepo(n.build.repo, config.github.apiUrl) !== undefined,
    async send(n, signal) {
      const status = statusFor(n.build, n.event, config);
      const where = githubRepo(n.build.repo, config.github.apiUrl);
      if (!status || !where || !n.commit) return 'nothing to report';
      try {
        await abortable(github.createStatus(where.owner, where.repo, n.commit, status), signal);
      } catch (err) {
        const cause = (err as { cause?: { status?: unknown } }).cause;
        const code = typeof cause?.status === 'number' ? cause.status : undefined;
        const message = signal.aborted ? 'no answer within the timeout' : err instanceof Error ? err.message : String(err);
        throw new NotifyError(message, code === undefined || retryableStatus(code) || code === 403, { cause: err });
      }
      return `${status.state} on ${n.commit.slice(0, 12)} (${status.context})`;
    },
  };
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
      return { ...base, state: 'error', description: clip(`Canceled: ${build.error ?? image}`) };
    case 'skipped':
      // `paths:` found nothing to build: the commit is fine as far as this project goes. (A build
      // settings.matching skips ends without a `finished` event, so GitHub hears nothing of it.)
      return { ...base, state: 'success', description: clip(`Skipped: ${build.error ?? 'nothing to build'}`) };
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
