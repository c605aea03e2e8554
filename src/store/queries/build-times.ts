import type { BuildTimes } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';

/**
 * The times of every build that was in the queue or running at some point since `since`: those that
 * finished since then, and those not finished (the `builds_finished_at` index answers both).
 */
export async function buildTimes(backend: SqlBackend, since: string): Promise<BuildTimes[]> {
  const rows = await backend.db
    .selectFrom('builds')
    .select(['id', 'group_id', 'status', 'created_at', 'started_at', 'finished_at', 'updated_at'])
    .where((eb) => eb.or([eb('finished_at', '>=', since), eb('finished_at', 'is', null)]))
    .execute();
  return rows.map((r) => ({
    status: r.status,
    sibling: r.id !== r.group_id,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  }));
}
