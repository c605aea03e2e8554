import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { BuildStatus, Trigger } from '../core/build.js';

/**
 * The tables as Kysely sees them. Timestamps are ISO-8601 text in both dialects so one set of queries
 * serves SQLite and Postgres, and text comparison orders them correctly (all are UTC with `Z`).
 */
export interface Database {
  builds: BuildsTable;
  log_chunks: LogChunksTable;
  deliveries: DeliveriesTable;
  notifications: NotificationsTable;
  agents: AgentsTable;
  repo_labels: RepoLabelsTable;
  repo_queue: RepoQueueTable;
  base_images: BaseImagesTable;
}

/** One FROM image of a project's latest default-branch build. */
export interface BaseImagesTable {
  project: string;
  /** Normalized reference: `registry/repository:tag`. */
  image: string;
  repo: string;
  branch: string;
  recorded_at: string;
}

export interface BuildsTable {
  /** Insertion order: FIFO for the queue and newest-first for lists (created_at can tie). */
  seq: Generated<number>;
  id: string;
  group_id: string;
  project: string;
  repo: string;
  branch: string;
  status: BuildStatus;
  tag: string | null;
  commit_sha: string | null;
  author: string | null;
  digest: string | null;
  trigger: Trigger;
  /** BuildOptions as JSON. */
  options: string;
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  /** Every image reference pushed, as a JSON array; null = only `tag`. */
  tags: string | null;
  /** The process whose claim holds: `agent:<name>` or `server:<name>`; null until claimed. */
  lease_owner: string | null;
  /** Until when the claim holds unless renewed (ISO-8601). */
  lease_until: string | null;
  /** 1 for the first run; a build taken back from a process that stopped responding runs as 2. */
  attempt: Generated<number>;
  /** 1 once the build started pushing (set before the first push), else 0. */
  pushed: Generated<number>;
  /** The agent that claimed the build; null while queued. */
  agent: string | null;
  /** build.yml's `notify:` list of the project, as a JSON array; null until a checkout read it. */
  notify?: string | null;
}

/** One agent as its last heartbeat left it; `labels` is JSON, `healthy` 0 or 1. */
export interface AgentsTable {
  name: string;
  labels: string;
  capacity: number | null;
  running: number;
  version: string;
  healthy: number;
  problem: string | null;
  started_at: string;
  last_heartbeat: string;
  /** Runs of this process taken back after their lease ran out; written by the take-back only (0013). */
  lease_expiries: Generated<number>;
}

/**
 * The queue as the claim sees one repository: how many of its build groups run, and the build it
 * would start next. Kept by triggers on `builds` (migration 0012), never written by the queries.
 */
export interface RepoQueueTable {
  repo: string;
  running: number;
  /** `seq` of its oldest queued build on a branch where nothing runs; null when none may start. */
  next_seq: number | null;
}

/** One label a repository's last build.yml asked for. */
export interface RepoLabelsTable {
  repo: string;
  key: string;
  value: string;
}

/**
 * One append to a group's log. `pos` and `end_pos` are offsets in UTF-16 code units (JavaScript string
 * length) so a reader's offset is simply the length of what it has read so far.
 */
export interface LogChunksTable {
  group_id: string;
  pos: number;
  end_pos: number;
  text: string;
  created_at: string;
}

export interface DeliveriesTable {
  /** Arrival order for newest-first lists. */
  seq: Generated<number>;
  /** GitHub's X-GitHub-Delivery. */
  id: string;
  event: string;
  repo: string | null;
  ref: string | null;
  result: string;
  build_id: string | null;
  received_at: string;
  identity: string | null;
}

/** One notification attempt; `ok` is 0 or 1 (SQLite has no boolean). */
export interface NotificationsTable {
  seq: Generated<number>;
  build_id: string;
  notifier: string;
  event: 'started' | 'finished';
  attempt: number;
  ok: number;
  detail: string;
  at: string;
}

export type BuildRow = Selectable<BuildsTable>;
export type NewBuildRow = Insertable<BuildsTable>;
export type BuildRowPatch = Updateable<BuildsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type AgentRow = Selectable<AgentsTable>;
