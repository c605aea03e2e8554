import type { ExpressionBuilder } from 'kysely';
import { FINISHED } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import type { Database } from '../schema.js';

/**
 * Retention: deletes finished builds last updated before `before` with their notification records, the logs of groups left with no
 * build, and webhook deliveries received before `before`. A group's log is shared, so it stays while
 * any build of the group remains.
 */
export async function deleteFinishedBefore(backend: SqlBackend, before: Date): Promise<number> {
  const cutoff = before.toISOString();
  const expired = (eb: ExpressionBuilder<Database, 'builds'>) =>
    eb.and([eb('status', 'in', FINISHED), eb('updated_at', '<', cutoff)]);
  return backend.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('log_chunks')
      .where('group_id', 'in', trx.selectFrom('builds').select('group_id').where(expired))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('builds')
              .select('builds.id')
              .whereRef('builds.group_id', '=', 'log_chunks.group_id')
              .where((inner) => inner.not(expired(inner))),
          ),
        ),
      )
      .execute();
    await trx.deleteFrom('notifications').where('build_id', 'in', trx.selectFrom('builds').select('id').where(expired)).execute();
    const result = await trx.deleteFrom('builds').where(expired).executeTakeFirst();
    // Webhook deliveries age out with the builds: their ids only matter while GitHub may redeliver.
    await trx.deleteFrom('deliveries').where('received_at', '<', cutoff).execute();
    return Number(result.numDeletedRows);
  });
}
