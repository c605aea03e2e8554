import type { BuildRecord } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import { dropBuildArgs } from './drop-build-args.js';
import { fairOrder, type QueuedFilter } from './fair-order.js';
import { leaseUntil } from './leases.js';

/**
 * Starts the next queued build in the fair order (fair-order.ts) unless `maxStarted` builds already
 * run; `filter` narrows the queued builds this claimer may take. The count, the choice and the update
 * run in one serialised transaction (IMMEDIATE in SQLite, an advisory lock in Postgres): without it
 * two claimers could both see room for one more and overshoot the limit, or both see a branch free
 * and start two of its builds.
 */
export async function claimNext(
  backend: SqlBackend,
  maxStarted: number | null,
  lease?: { owner: string; seconds: number },
  filter?: QueuedFilter,
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
    let row;
    // A pick another writer changed meanwhile (canceled, superseded) is passed over for the next one;
    // the bound only guards against a loop should every pick be taken.
    for (let tries = 0; tries < 5 && !row; tries++) {
      const next = await fairOrder(trx, filter).executeTakeFirst();
      if (!next) return undefined;
      const at = now();
      row = await trx
        .updateTable('builds')
        .set({ status: 'started', started_at: at, updated_at: at, ...(lease && { lease_owner: lease.owner, lease_until: leaseUntil(lease.seconds) }) })
        .where('id', '=', next.id)
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
    }
    if (!row) return undefined;
    // The caller gets the build args' values to run with; the store keeps only their names.
    const { dropped } = await dropBuildArgs(trx, row);
    return { build: toBuildRecord(row), dropped };
  });
  if (claimed?.dropped) await backend.forget();
  return claimed?.build;
}
