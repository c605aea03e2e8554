import type { AgentRecord, AgentView, Claimer, Labels } from './agent.js';
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
    'project' | 'branch' | 'status' | 'tag' | 'tags' | 'commit' | 'author' | 'digest' | 'error' | 'startedAt' | 'finishedAt' | 'durationMs' | 'pushed' | 'notify'
  >
>;

/** How a process claims a build. */
export interface ClaimOptions {
  /** The build is `lease.owner`'s for `lease.seconds` unless renewed. */
  lease?: { owner: string; seconds: number };
  /** Recorded as the build's agent; it gets only builds whose repository asks for no label it lacks. */
  claimer?: Claimer;
}

/** What `supersede` did to the builds of one repository and branch. */
export interface Supersession {
  /** The branch's newest queued or running request (its first build when it already has siblings). */
  newest: BuildRecord;
  /** Older queued builds, now `canceled` with `superseded by <newest id>`, oldest first. */
  canceled: BuildRecord[];
  /** Older running requests, one build per group, left running: canceling them is the caller's choice. */
  running: BuildRecord[];
}

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

/** When a build was queued, started and finished: what the queue and load statistics are made of. */
export interface BuildTimes {
  status: BuildStatus;
  /** A sibling of a multi-project request: it never waited in the queue itself. */
  sibling: boolean;
  /** ISO-8601 timestamps. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** A project and the branch it was built from, for rebuilding it when a base image changes. */
export interface Dependent {
  /** `<repo>__<project>` */
  project: string;
  repo: string;
  branch: string;
}

export interface BaseImages extends Dependent {
  /** Normalized references (`registry/repository:tag`) the project's FROM lines use. */
  images: string[];
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

/** What became of a delivery handed to `receiveDelivery`. */
export type DeliveryReceipt =
  /** Its delivery id was seen before: nothing recorded, nothing queued. */
  | { kind: 'seen' }
  /** An earlier delivery asked for the same thing: recorded as its duplicate, with its build. */
  | { kind: 'replay'; of: Delivery }
  /** Recorded; no build was asked for (a request whose head is looked up next). */
  | { kind: 'recorded' }
  /** Recorded with the build it queued, or the queued build of the same commit it joined. A new
   *  build of a branch supersedes in the same transaction: `superseded` is what `supersede` would
   *  have answered (older running requests are the caller's to cancel, or not). */
  | { kind: 'queued'; build: BuildRecord; created: boolean; superseded?: Supersession };

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
  /** The status of the newest queued, started, passed or failed build of a project
   *  (`<repo>__<project>`), on `branch` when given; canceled and skipped builds are passed over.
   *  Indexed (badges). */
  latestStatus(project: string, branch?: string): Promise<BuildStatus | undefined>;
  /** Every project's newest queued, started, passed or failed build on its default branch (the branch
   *  of its newest build tagged `latest`, else any branch), by project name; at most `limit`. One
   *  indexed query (the wall). */
  wall(q: { limit: number }): Promise<ProjectSummary[]>;
  /** A project's newest builds, newest first. */
  listProjectBuilds(project: string, limit: number): Promise<BuildRecord[]>;
  /** The times of every build unfinished or finished at or after `since` (ISO-8601). */
  buildTimes(since: string): Promise<BuildTimes[]>;
  /** The commit of the newest passed build of a project on `branch` (`paths:` filters compare with it). Indexed. */
  lastPassedCommit(project: string, branch: string): Promise<string | undefined>;
  /** Replaces the FROM images recorded for a project's default-branch build. */
  recordBaseImages(entry: BaseImages): Promise<void>;
  /** Projects whose recorded FROM images include one of `images` (normalized references). Indexed. */
  dependentsOf(images: readonly string[]): Promise<Dependent[]>;
  /** With `lease`, only while that lease holds: otherwise rejects with LeaseLostError, changing nothing. */
  updateBuild(id: string, patch: BuildPatch, lease?: Lease): Promise<BuildRecord>;
  /** Cancels the queued builds of `repo` + `branch` older than its newest queued or running request
   *  and reports the older running ones; tag builds neither supersede nor are superseded. Undefined
   *  when the branch has nothing queued or running. Atomic with claims and other calls. */
  supersede(repo: string, branch: string): Promise<Supersession | undefined>;
  /** Adds sibling builds (status `started`, under the first build's lease) for a group's other projects; returns them. */
  addSiblings(groupId: string, projects: string[]): Promise<BuildRecord[]>;
  /** Atomically moves the next queued build to `started` and returns it, unless `maxStarted` builds
   *  are already started (null = no limit). The next build: the repository with the fewest running
   *  requests first, then the oldest; a branch with a build running waits. Safe with many concurrent
   *  callers. See ClaimOptions for an agent's and a lease's part. */
  claimNext(maxStarted: number | null, opts?: ClaimOptions): Promise<BuildRecord | undefined>;
  /** Extends the lease of every started build `owner` holds in the groups `groupIds` (the ones it
   *  runs), in one statement; returns their ids. */
  renewLeases(owner: string, seconds: number, groupIds: string[]): Promise<string[]>;
  /** Takes back started builds (see ReclaimScope): re-queued once when nothing was pushed, else failed
   *  `lost: <agent|server> <name> stopped responding`. Safe with many concurrent callers. */
  reclaim(scope: ReclaimScope): Promise<Reclaimed>;
  /** Puts a `started` build back in the queue in its old place, with the options its claim handed out
   *  (build-arg values included); false when it is no longer started. */
  handBack(id: string, options: BuildOptions): Promise<boolean>;
  /** Records an agent's heartbeat (inserted the first time). */
  recordAgent(agent: AgentRecord): Promise<void>;
  /** Every agent that ever reported, by name. */
  listAgents(): Promise<AgentView[]>;
  /** Requests' first builds an agent started after `since` (ISO-8601), oldest start first, at most `limit`. */
  listStartedSince(since: string, limit: number): Promise<BuildRecord[]>;
  /** Replaces the labels `repo`'s builds ask of agents. */
  rememberLabels(repo: string, labels: Labels): Promise<void>;
  /** The labels each repository asks for; those asking for none are left out. */
  repoLabels(repos: string[]): Promise<Map<string, Labels>>;
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
  /** One transaction, serialised per identity: records the delivery; when it has an identity that a
   *  delivery received at or after `replaySince` already had, records it as that one's duplicate;
   *  otherwise queues `build` (if given, as createBuild does), supersedes the older queued builds of
   *  its branch (as supersede does; not for tags) and records the outcome on it. */
  receiveDelivery(d: Delivery, opts: { build?: NewBuild; replaySince: string }): Promise<DeliveryReceipt>;
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
