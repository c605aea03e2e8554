import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';

/**
 * Crash recovery: builds left `started` by a process that died are failed with `reason`. Their duration
 * stays unknown (null): the time of death is not recorded anywhere.
 */
export async function failStarted(backend: SqlBackend, reason: string): Promise<number> {
  const at = now();
  const result = await backend.db
    .updateTable('builds')
    .set({ status: 'failed', error: reason, finished_at: at, updated_at: at })
    .where('status', '=', 'started')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
