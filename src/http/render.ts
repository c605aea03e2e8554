import type { AgentView } from '../core/agent.js';
import { projectAlias, projectShortName, type BuildOptions, type BuildRecord } from '../core/build.js';
import type { NotificationAttempt } from '../core/notifier.js';
import type { Delivery, ProjectSummary } from '../core/store.js';
import type { ApiBuildSummary } from './api-types.js';

/** A build as Roger's API showed it (snake_case), plus this project's extra fields. */
export function renderBuild(b: BuildRecord, waiting?: string): Record<string, unknown> {
  const name = projectShortName(b.project, b.repo);
  return {
    id: b.id,
    project: b.project,
    name,
    alias: projectAlias(b.repo, name),
    branch: b.branch,
    status: b.status,
    tag: b.tag,
    tags: b.tags ?? (b.tag === null ? [] : [b.tag]),
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    repo: b.repo,
    commit: b.commit,
    author: b.author,
    digest: b.digest,
    trigger: b.trigger,
    options: renderOptions(b.options),
    error: b.error,
    started_at: b.startedAt,
    finished_at: b.finishedAt,
    duration_ms: b.durationMs,
    group_id: b.groupId,
    caused_by: b.options.dependency?.cause ?? null,
    attempt: b.attempt,
    lease_owner: b.leaseOwner,
    agent: b.agent ?? null,
    // Queued builds no agent can take say why (`no agent offers pool=big`).
    waiting: waiting ?? null,
  };
}

/** An agent as `GET /api/agents` lists it; `live`: it heartbeat recently. */
export function renderAgent(a: AgentView, live: boolean): Record<string, unknown> {
  return {
    name: a.name,
    labels: a.labels,
    capacity: a.capacity,
    running: a.running,
    version: a.version,
    healthy: a.healthy && live,
    live,
    problem: live ? a.problem : 'no heartbeat',
    started_at: a.startedAt,
    last_heartbeat: a.lastHeartbeat,
    lease_expiries: a.leaseExpiries,
  };
}

/** Build arguments often carry tokens: their names are shown, never their values (which the store
 *  drops once the build leaves the queue, keeping `buildargNames`). */
function renderOptions(options: BuildOptions): Record<string, unknown> {
  const { buildargNames, ...rest } = options;
  const names = options.buildargs ? Object.keys(options.buildargs) : buildargNames;
  if (!names) return rest;
  return { ...rest, buildargs: Object.fromEntries(names.map((k) => [k, '*****'])) };
}

/** The few fields of renderBuild a wall tile or a chart bar shows. */
export function renderSummary(b: BuildRecord): ApiBuildSummary {
  return {
    id: b.id,
    project: b.project,
    branch: b.branch,
    status: b.status,
    commit: b.commit,
    author: b.author,
    created_at: b.createdAt,
    started_at: b.startedAt,
    finished_at: b.finishedAt,
    duration_ms: b.durationMs,
  };
}

export function renderProject(p: ProjectSummary): Record<string, unknown> {
  return { name: p.name, alias: p.alias, latest_build: renderBuild(p.latestBuild) };
}

export function renderDelivery(d: Delivery): Record<string, unknown> {
  return { id: d.id, event: d.event, repo: d.repo, ref: d.ref, result: d.result, build_id: d.buildId, received_at: d.receivedAt };
}

export function renderNotification(a: NotificationAttempt): Record<string, unknown> {
  return { build_id: a.buildId, notifier: a.notifier, event: a.event, attempt: a.attempt, ok: a.ok, detail: a.detail, at: a.at };
}
