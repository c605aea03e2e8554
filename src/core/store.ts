import type { BuildOptions, BuildRecord, BuildStatus, Trigger } from './build.js';
import type { NotificationAttempt } from './notifier.js';

export interface NewBuild {
  repo: string;
  branch: string;
  trigger: Trigger;
  options: BuildOptions;
  /** Known up front for webhook builds; used to refuse a duplicate while one is queued. */
  commit?: string | null;
}

export type BuildPatch = Partial<
  Pick<
    BuildRecord,
    'project' | 'branch' | 'status' | 'tag' | 'tags' | 'commit' | 'author' | 'digest' | 'error' | 'startedAt' | 'finishedAt' | 'durationMs' | 'pushed'
  >
>;

/**
 * A process's claim on a build it runs: who (`agent:<name>`, `server:<name>`) and which run (`attempt`).
 * A run's writes carry it, so once another process took the build back they are refused.
 */
export interface Lease {
  owner: string;
  attempt: number;
}

/** A write of a run whose lease another process took over (the build was re-queued or failed `lost`). */
export class LeaseLostError extends Error {
  constructor(buildId: string) {
    super(`build ${buildId} is no longer this process's to update: its lease was taken over`);
    this.name = 'LeaseLostError';
  }
}

/** Which started builds `reclaim` takes back. */
export type ReclaimScope =
  /** Builds whose lease ran out: their process stopped renewing (killed, cut off). */
  | { expired: true }
  /** Every build `owner` holds: that process restarted and none of its runs survived. */
  | { owner: string }
  /** Every started build (embedded: one process, and it just started). */
  | { all: true };

export interface Reclaimed {
  /** Builds queued again as their next attempt (nothing pushed, first attempt, nothing lost). */
  requeued: BuildRecord[];
  /** Builds failed `lost: ...` (they had pushed, had run twice, or their build args were not kept). */
  failed: BuildRecord[];
}

export interface ProjectSummary {
  /** `<repo>__<project>` */
  name: string;
  alias: string;
  latestBuild: BuildRecord;
}

export interface Delivery {
  id: string;
  event: string;
  repo: string | null;
  ref: string | null;
  /** What happened: `built`, `skipped: <why>`, `ignored: <why>`, `duplicate`. */
  result: string;
  buildId: string | null;
  receivedAt: string;
  /** What the payload itself asks for (event, repository, ref and commits, or comment id), when it asks
   *  for a build: the same body replayed under a new delivery id has the same identity. */
  identity?: string;
}

/**
 * The Store port: builds, their logs and webhook deliveries. One implementation over Kysely serves
 * SQLite (embedded) and Postgres (shared by agents). Every method is atomic on its own.
 */
export interface Store {
  /** Records a queued build. When `commit` is given and a queued build of the same repo, branch and
   *  commit exists, returns that one with `created: false` instead. */
  createBuild(b: NewBuild): Promise<{ build: BuildRecord; created: boolean }>;
  getBuild(id: string): Promise<BuildRecord | undefined>;
  /** Newest first. */
  listBuilds(q: { limit: number; status?: BuildStatus }): Promise<BuildRecord[]>;
  listGroup(groupId: string): Promise<BuildRecord[]>;
  /** Projects with their latest build, most recently built first. */
  listProjects(q: { limit: number }): Promise<ProjectSummary[]>;
  /** The newest queued, started, passed or failed build of a project (`<repo>__<project>`), on
   *  `branch` when given; canceled and skipped builds are passed over. Indexed (badges). */
  latestBuild(project: string, branch?: string): Promise<BuildRecord | undefined>;
  /** With `lease`, only while that lease holds: otherwise rejects with LeaseLostError, changing nothing. */
  updateBuild(id: string, patch: BuildPatch, lease?: Lease): Promise<BuildRecord>;
  /** Adds sibling builds (status `started`, under the first build's lease) for a group's other projects; returns them. */
  addSiblings(groupId: string, projects: string[]): Promise<BuildRecord[]>;
  /** Atomically moves the oldest queued build to `started` and returns it, unless `maxStarted`
   *  builds are already started (null = no limit). Safe with many concurrent callers. With `lease`,
   *  the build is `lease.owner`'s for `lease.seconds` unless renewed. */
  claimNext(maxStarted: number | null, lease?: { owner: string; seconds: number }): Promise<BuildRecord | undefined>;
  /** Extends the lease of every started build `owner` holds in the groups `groupIds` (the ones it
   *  runs), in one statement; returns their ids. */
  renewLeases(owner: string, seconds: number, groupIds: string[]): Promise<string[]>;
  /** Takes back started builds (see ReclaimScope): re-queued once when nothing was pushed, else failed
   *  `lost: <agent|server> <name> stopped responding`. Safe with many concurrent callers. */
  reclaim(scope: ReclaimScope): Promise<Reclaimed>;
  /** Marks every `started` build failed with `reason`; returns how many (crash recovery). */
  failStarted(reason: string): Promise<number>;
  countByStatus(): Promise<Record<BuildStatus, number>>;
  /** Appends to a group's log. */
  appendLog(groupId: string, text: string): Promise<void>;
  /** The group's log after the first `offset` characters (what a follower already read), at most
   *  about `maxChars` of it (whole chunks; default: all). */
  readLog(groupId: string, offset: number, maxChars?: number): Promise<string>;
  /** Records a webhook delivery; false when that delivery id was seen before. */
  recordDelivery(d: Delivery): Promise<boolean>;
  updateDelivery(id: string, patch: Pick<Delivery, 'result' | 'buildId'>): Promise<void>;
  /** The first delivery recorded before delivery `id` with the same identity and received at or after
   *  `since`, not counting those that failed on Roger's side (`failed: …`); undefined when none. */
  findReplayed(id: string, identity: string, since: string): Promise<Delivery | undefined>;
  listDeliveries(q: { limit: number }): Promise<Delivery[]>;
  /** Records one notification attempt. */
  recordNotification(a: NotificationAttempt): Promise<void>;
  /** A build's notification attempts, oldest first. */
  listNotifications(buildId: string): Promise<NotificationAttempt[]>;
  /** Deletes finished builds (with their logs and notification records) last updated before
   *  `before`, and webhook deliveries received before it; returns how many builds. */
  deleteFinishedBefore(before: Date): Promise<number>;
  /** Checks the database answers (health). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
