import type { BuildStatus } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';

export async function countByStatus(backend: SqlBackend): Promise<Record<BuildStatus, number>> {
  const rows = await backend.db
    .selectFrom('builds')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<BuildStatus, number> = { queued: 0, started: 0, passed: 0, failed: 0, canceled: 0, skipped: 0 };
  // Postgres answers count(*) as a bigint string.
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
