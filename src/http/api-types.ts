import type { BuildStatus } from '../core/build.js';

/**
 * The shapes of the wall, project history and stats answers, declared once: the routes build them
 * and the web UI imports them as types (web/src/lib/types.ts).
 */

/** The fields of a build (as `GET /api/builds/:id` shows it) that a tile or a chart bar needs. */
export interface ApiBuildSummary {
  id: string;
  /** `<repo URL>__<project>` */
  project: string;
  branch: string;
  status: BuildStatus;
  commit: string | null;
  author: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

/** `GET /api/wall`: every project's latest build on its default branch, by project. */
export interface ApiWall {
  projects: ApiWallTile[];
}

export interface ApiWallTile {
  /** `<repo URL>__<project>` */
  project: string;
  /** The build.yml project name. */
  name: string;
  /** `<project> (<owner>/<repo>)` */
  alias: string;
  branch: string;
  build: ApiBuildSummary;
}

/** `GET /api/projects/:name/builds?limit=N`: a project's newest builds and how many of them passed. */
export interface ApiProjectBuilds {
  project: string;
  name: string;
  alias: string;
  /** Newest first. */
  builds: ApiBuildSummary[];
  /** Over these builds: passed / (passed + failed); null when none of them passed or failed. */
  pass_rate: number | null;
  passed: number;
  failed: number;
}

/** `GET /api/stats?hours=N`: the queue and the builders over the last N hours, in equal buckets. */
export interface ApiStats {
  hours: number;
  bucket_minutes: number;
  /** Start of the first bucket and the time of the answer (ISO-8601). */
  since: string;
  until: string;
  /** Oldest first. */
  buckets: ApiStatsBucket[];
}

export interface ApiStatsBucket {
  /** ISO-8601 start of the bucket. */
  start: string;
  /** Requests waiting in the queue at some point of the bucket. */
  queued: number;
  /** Builds running at some point of the bucket. */
  running: number;
  /** Requests that left the queue (started) in the bucket, and how long they had waited. */
  started: number;
  wait_ms_avg: number | null;
  wait_ms_max: number | null;
}
