/** The API's shapes (src/http/render.ts), as the UI reads them. */
import type { BuildStatus } from '../../../src/core/build.js';

/** The statuses, declared once beside the build record. */
export { BUILD_STATUSES as STATUSES, type BuildStatus } from '../../../src/core/build.js';

export interface Build {
  id: string;
  /** `<repo URL>__<project>` */
  project: string;
  /** The build.yml project name (the image name). */
  name: string;
  /** `<project> (<owner>/<repo>)` */
  alias: string;
  branch: string;
  status: BuildStatus;
  tag: string | null;
  /** Every image reference pushed, `tag` first (older servers send none). */
  tags?: string[];
  created_at: string;
  updated_at: string;
  repo: string;
  commit: string | null;
  author: string | null;
  digest: string | null;
  trigger: string;
  options: Record<string, unknown>;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  group_id: string;
  /** For a `dependency` build: the build whose pushed image this project's FROM uses. */
  caused_by?: string | null;
  /** 1, or 2 once taken back from a process that stopped responding (older servers send none). */
  attempt?: number;
  /** The process that claimed the build: `agent:<name>` or `server:<name>`. */
  lease_owner?: string | null;
  /** The agent that claimed the build (older servers send none). */
  agent?: string | null;
  /** Why a queued build waits, when no agent can take it (`no agent offers pool=big`). */
  waiting?: string | null;
}

/** One agent (`GET /api/agents`). */
export interface Agent {
  name: string;
  labels: Record<string, string>;
  /** Builds at once; null = no limit. */
  capacity: number | null;
  running: number;
  version: string;
  /** Live and its engine answers. */
  healthy: boolean;
  /** It heartbeat recently. */
  live: boolean;
  /** Why it is not healthy. */
  problem: string | null;
  started_at: string;
  last_heartbeat: string;
  /** Its runs taken back because their lease ran out, ever. */
  lease_expiries: number;
}

/** One notification attempt (`GET /api/builds/:id/notifications`). */
export interface NotificationAttempt {
  build_id: string;
  notifier: string;
  event: 'started' | 'finished';
  attempt: number;
  ok: boolean;
  detail: string;
  at: string;
}

export interface Project {
  name: string;
  alias: string;
  latest_build: Build;
}

export const isActive = (status: BuildStatus): boolean => status === 'queued' || status === 'started';

/** The wall, project history and stats answers, declared once beside the server's routes. */
export type { ApiBuildSummary, ApiProjectBuilds, ApiStats, ApiStatsBucket, ApiWall, ApiWallTile } from '../../../src/http/api-types.js';
