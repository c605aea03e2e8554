import type { BuildOptions, BuildRecord } from '../core/build.js';
import type { Delivery } from '../core/store.js';
import type { BuildRow, DeliveryRow } from './schema.js';

export function toBuildRecord(row: BuildRow): BuildRecord {
  return {
    id: row.id,
    groupId: row.group_id,
    project: row.project,
    repo: row.repo,
    branch: row.branch,
    status: row.status,
    tag: row.tag,
    commit: row.commit_sha,
    author: row.author,
    digest: row.digest,
    trigger: row.trigger,
    options: parseOptions(row.options),
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    attempt: row.attempt,
    leaseOwner: row.lease_owner,
    pushed: row.pushed === 1,
    agent: row.agent ?? null,
    ...(row.tags !== null && row.tags !== undefined && { tags: parseTags(row.tags) }),
    ...(row.notify !== null && row.notify !== undefined && { notify: parseTags(row.notify) }),
  };
}

/** A JSON array of strings (tags, notifier names); anything else reads as empty. */
function parseTags(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** Options were validated before they were stored; a damaged value must not make a build unreadable. */
function parseOptions(text: string): BuildOptions {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as BuildOptions) : {};
  } catch {
    return {};
  }
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    event: row.event,
    repo: row.repo,
    ref: row.ref,
    result: row.result,
    buildId: row.build_id,
    receivedAt: row.received_at,
    ...(row.identity !== null && { identity: row.identity }),
  };
}
