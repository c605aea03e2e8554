import type { BuildRecord } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import { dropBuildArgs } from './drop-build-args.js';
import { leaseUntil } from './leases.js';

/**
 * Starts the oldest queued build unless `maxStarted` builds already run. The count and the update run
 * in one serialised transaction (IMMEDIATE in SQLite, an advisory lock in Postgres): without it two
 * claimers could both see room for one more and overshoot the limit.
 */
export async function claimNext(
  backend: SqlBackend,
  maxStarted: number | null,
  lease?: { owner: string; seconds: number },
): Promise<BuildRecord | undefined> {
  const claimed = await backend.db.transaction().execute(async (trx) => {
    await backend.lock(trx, 'claim');
    if (maxStarted !== null) {
      const { started } = await trx
        .selectFrom('builds')
        .select((eb) => eb.fn.countAll().as('started'))
        .where('status', '=', 'started')
        .executeTakeFirstOrThrow();
      if (Number(started) >= maxStarted) return undefined;
    }
    const at = now();
    const row = await trx
      .updateTable('builds')
      .set({ status: 'started', started_at: at, updated_at: at, ...(lease && { lease_owner: lease.owner, lease_until: leaseUntil(lease.seconds) }) })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('builds')
          .select('id')
          .where('status', '=', 'queued')
          .orderBy('seq')
          .limit(1)
          // A queued row being canceled right now is skipped rather than waited for.
          .$if(backend.rowLocks, (qb) => qb.forUpdate().skipLocked()),
      )
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    // The caller gets the build args' values to run with; the store keeps only their names.
    const { dropped } = await dropBuildArgs(trx, row);
    return { build: toBuildRecord(row), dropped };
  });
  if (claimed?.dropped) await backend.forget();
  return claimed?.build;
}
