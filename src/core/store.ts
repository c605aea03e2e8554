import type { AgentRecord, Claimer, Labels } from './agent.js';
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
    'project' | 'branch' | 'status' | 'tag' | 'tags' | 'commit' | 'author' | 'digest' | 'error' | 'startedAt' | 'finishedAt' | 'durationMs'
  >
>;

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
  updateBuild(id: string, patch: BuildPatch): Promise<BuildRecord>;
  /** Adds sibling builds (status `started`) for a group's other projects; returns them. */
  addSiblings(groupId: string, projects: string[]): Promise<BuildRecord[]>;
  /** Atomically moves the oldest queued build to `started` and returns it, unless `maxStarted`
   *  builds are already started (null = no limit). Safe with many concurrent callers. A `claimer`
   *  is recorded as the build's agent and gets only builds whose repository asks for no label it lacks. */
  claimNext(maxStarted: number | null, claimer?: Claimer): Promise<BuildRecord | undefined>;
  /** Puts a `started` build back in the queue in its old place, with the options its claim handed out
   *  (build-arg values included); false when it is no longer started. */
  handBack(id: string, options: BuildOptions): Promise<boolean>;
  /** Records an agent's heartbeat (inserted the first time). */
  recordAgent(agent: AgentRecord): Promise<void>;
  /** Every agent that ever reported, by name. */
  listAgents(): Promise<AgentRecord[]>;
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
