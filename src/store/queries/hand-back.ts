import type { BuildOptions } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';

/**
 * Puts a started build back in the queue, in its old place (`seq` is kept), for another agent: the one
 * that claimed it lacks the labels its build.yml asks for. `options` are the ones the claim handed out,
 * build-arg values included, so the next claimer builds what was asked. False when the build is no
 * longer `started` (canceled meanwhile).
 */
export async function handBack(backend: SqlBackend, id: string, options: BuildOptions): Promise<boolean> {
  const result = await backend.db
    .updateTable('builds')
    .set({ status: 'queued', started_at: null, agent: null, options: JSON.stringify(options), updated_at: now() })
    .where('id', '=', id)
    .where('status', '=', 'started')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
