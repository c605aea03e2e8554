/**
 * An agent: a process that claims queued builds and runs them on the one Docker engine it drives
 * (`roger agent`, or `roger serve` while `builds.local` is on). It has a name (`agent.name`), labels
 * (`agent.labels`: what it offers, such as `pool: big`), and a capacity (`builds.concurrent`).
 * A repository's build.yml may ask for labels (`agent: {pool: big}`); only agents offering every one of
 * them run its builds.
 */
export type Labels = Record<string, string>;

/** What `agent.name` may be: it names the process in the API, metrics and build records. */
export const AGENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Label keys and values: short words, so they read the same in YAML, the API and metric labels. */
export const LABEL_KEY = /^[A-Za-z0-9._-]{1,63}$/;
export const LABEL_VALUE = /^[A-Za-z0-9._-]{1,128}$/;
/** At most this many labels per agent or per build.yml. */
export const MAX_LABELS = 32;

/** One agent as it last reported itself. */
export interface AgentRecord {
  name: string;
  labels: Labels;
  /** Builds it runs at once; null = no limit. */
  capacity: number | null;
  /** Builds it ran at its last heartbeat. */
  running: number;
  /** Roger's version it runs. */
  version: string;
  /** False while its engine does not answer: it then claims nothing. */
  healthy: boolean;
  /** Why it is unhealthy (its engine's answer), null when healthy. */
  problem: string | null;
  /** ISO-8601. */
  startedAt: string;
  lastHeartbeat: string;
}

/** An agent as the store lists it: its last heartbeat, and what the fleet counted about it. */
export interface AgentView extends AgentRecord {
  /** Its runs taken back because their lease ran out (or it restarted under its name), ever. */
  leaseExpiries: number;
}

/** The identity a claim is made under: the claimer's name and what it offers. */
export interface Claimer {
  agent: string;
  labels: Labels;
}

/** Agents heartbeat this often; one silent for `AGENT_STALE_MS` counts as gone. */
export const HEARTBEAT_MS = 5_000;
export const AGENT_STALE_MS = 20_000;

/** `want`'s labels that `have` lacks, as `key=value` words in key order (empty: `have` offers them all). */
export function missingLabels(want: Labels, have: Labels): string[] {
  return Object.keys(want)
    .sort()
    .filter((k) => have[k] !== want[k])
    .map((k) => `${k}=${want[k]}`);
}

/** Whether the agent heartbeat recently enough to count as running. */
export const isLive = (agent: AgentRecord, nowMs: number): boolean => nowMs - Date.parse(agent.lastHeartbeat) <= AGENT_STALE_MS;
