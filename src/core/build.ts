import type { ForgeName } from './forge.js';

/**
 * Roger's build statuses; `canceled` and `skipped` are ours. `skipped`: a webhook build whose ref
 * build.yml's `settings.matching` does not allow; nothing was built.
 */
export const BUILD_STATUSES = ['queued', 'started', 'passed', 'failed', 'canceled', 'skipped'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
export const FINISHED: readonly BuildStatus[] = ['passed', 'failed', 'canceled', 'skipped'];

/** `dependency`: queued because a build pushed an image this project's Dockerfile uses in a FROM. */
export type Trigger = 'api' | 'webhook' | 'cli' | 'dependency';

/** Why a `dependency` build was queued. */
export interface DependencyCause {
  /** The build whose pushed image this project uses. */
  cause: string;
  /** The projects (`<repo>__<name>`) whose pushes led here, first cause first; it never repeats one. */
  chain: string[];
}

/** The only Docker build options a request may set; anything else is refused. */
export interface BuildOptions {
  nocache?: boolean;
  pull?: boolean;
  buildargs?: Record<string, string>;
  /** The build args' names once the build has left the queue; their values are not kept. */
  buildargNames?: string[];
  target?: string;
  /** Set by webhook triggers only (never accepted from a request): whether the ref is a tag, and that
   *  build.yml's `settings.matching` applies. */
  /** The forge whose webhook asked for the build (set by webhooks only): its commit status notifier
   *  reports on it. Absent: the forge whose host serves the repository, else GitHub. */
  forge?: ForgeName;
  webhook?: {
    refType: 'branch' | 'tag';
    /** The delivery that queued the build; its record learns when matching skips the build. */
    delivery?: string;
  };
  /** Set for `dependency` builds only (never accepted from a request). */
  dependency?: DependencyCause;
}

/**
 * One build of one project. A request creates one build (named after the repository); when the
 * checkout shows a build.yml with several projects, the build takes the first project and siblings are
 * added for the others, sharing `groupId` and the group's log.
 */
export interface BuildRecord {
  /** Unique and URL-safe. */
  id: string;
  /** The id of the request's first build; builds of one request share it and one log. */
  groupId: string;
  /** Roger's project name: `<repo URL>__<project>`. */
  project: string;
  repo: string;
  branch: string;
  status: BuildStatus;
  /** Image reference once known: `<registry>/<project>:<tag>` (Roger's `tag`). */
  tag: string | null;
  /** Every image reference pushed, `tag` first; set only when build.yml's `tags:`/`auto_tag:` add more. */
  tags?: string[];
  /** Commit sha: given by a webhook up front, else resolved at checkout. */
  commit: string | null;
  author: string | null;
  digest: string | null;
  trigger: Trigger;
  options: BuildOptions;
  /** Why the build failed, was canceled or skipped. */
  error: string | null;
  /** ISO-8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** Which run this is: 1, or 2 once the build was taken back from a process that stopped responding. */
  attempt: number;
  /** The process that claimed the build (`agent:<name>`, `server:<name>`); null while queued. */
  leaseOwner: string | null;
  /** Whether the build began pushing images (a lost build that did is failed, not run again). */
  pushed: boolean;
  /** The agent that claimed the build (`agent.name`); null or absent while queued. */
  agent?: string | null;
  /**
   * The project's build.yml `notify:` list, recorded when the checkout planned the build; absent before.
   * What a process that never read that build.yml (one taking a lost build back) notifies by.
   */
  notify?: string[];
}

/** `redis-server (company/redis)` from `https://github.com/company/redis` and `redis-server`. */
export function projectAlias(repo: string, name: string): string {
  const path = repo.replace(/\.git\/?$/, '').replace(/\/+$/, '');
  const parts = path.split(/[/:]/).filter(Boolean);
  const ownerRepo = parts.slice(-2).join('/');
  return `${name} (${ownerRepo})`;
}

/** The repository's name: last path segment without `.git`. */
export function repoName(repo: string): string {
  const last = repo.replace(/\/+$/, '').split(/[/:]/).pop() ?? 'project';
  return last.replace(/\.git$/, '') || 'project';
}

export const projectId = (repo: string, name: string): string => `${repo}__${name}`;

/** The build.yml name back out of `projectId(repo, name)`; names may themselves contain `__`. */
export function projectShortName(project: string, repo: string): string {
  const prefix = `${repo}__`;
  if (project.startsWith(prefix)) return project.slice(prefix.length);
  const at = project.lastIndexOf('__');
  return at === -1 ? project : project.slice(at + 2);
}
