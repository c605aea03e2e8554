import type { BuildRecord, BuildStatus } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import { toBuildRecord } from '../rows.js';

export async function getBuild(backend: SqlBackend, id: string): Promise<BuildRecord | undefined> {
  const row = await backend.db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toBuildRecord(row);
}

export async function listBuilds(
  backend: SqlBackend,
  q: { limit: number; status?: BuildStatus },
): Promise<BuildRecord[]> {
  let query = backend.db.selectFrom('builds').selectAll();
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  const rows = await query.orderBy('seq', 'desc').limit(toLimit(q.limit)).execute();
  return rows.map(toBuildRecord);
}

/** The group's builds in the order they were added (the request's first build first). */
export async function listGroup(backend: SqlBackend, groupId: string): Promise<BuildRecord[]> {
  const rows = await backend.db
    .selectFrom('builds')
    .selectAll()
    .where('group_id', '=', groupId)
    .orderBy('seq')
    .execute();
  return rows.map(toBuildRecord);
}

/** Postgres refuses a fractional or negative LIMIT; callers should not have to care. */
export const toLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);

/**
 * Requests' first builds an agent started after `since` (ISO-8601), oldest start first, at most
 * `limit`: what metrics learn about queue waits on every agent, from any process.
 */
export async function listStartedSince(backend: SqlBackend, since: string, limit: number): Promise<BuildRecord[]> {
  const rows = await backend.db
    .selectFrom('builds')
    .selectAll()
    .where('started_at', '>', since)
    .where('agent', 'is not', null)
    .whereRef('id', '=', 'group_id')
    .orderBy('started_at')
    .limit(toLimit(limit))
    .execute();
  return rows.map(toBuildRecord);
}
