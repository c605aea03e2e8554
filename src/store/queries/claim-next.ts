import type { ExpressionBuilder } from 'kysely';
import type { Claimer } from '../../core/agent.js';
import type { BuildRecord } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import type { Database } from '../schema.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import { dropBuildArgs } from './drop-build-args.js';

/**
 * Starts the oldest queued build unless `maxStarted` builds already run. The count and the update run
 * in one serialised transaction (IMMEDIATE in SQLite, an advisory lock in Postgres): without it two
 * claimers could both see room for one more and overshoot the limit.
 */
export async function claimNext(backend: SqlBackend, maxStarted: number | null, claimer?: Claimer): Promise<BuildRecord | undefined> {
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
      .set({ status: 'started', started_at: at, updated_at: at, agent: claimer?.agent ?? null })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('builds')
          .select('id')
          .where('status', '=', 'queued')
          .$if(claimer !== undefined, (qb) => qb.where((eb) => offersLabels(eb, claimer?.labels ?? {})))
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

/**
 * Agents only: the build's repository asks for no label the claimer lacks (`repo_labels`, learned from
 * the repository's last build.yml; a repository never built asks for none until its checkout says).
 */
function offersLabels(eb: ExpressionBuilder<Database, 'builds'>, labels: Record<string, string>) {
  const offered = Object.entries(labels);
  return eb.not(
    eb.exists(
      eb
        .selectFrom('repo_labels')
        .select('repo_labels.key')
        .whereRef('repo_labels.repo', '=', 'builds.repo')
        .$if(offered.length > 0, (qb) =>
          qb.where((lb) => lb.not(lb.or(offered.map(([key, value]) => lb.and([lb('repo_labels.key', '=', key), lb('repo_labels.value', '=', value)]))))),
        ),
    ),
  );
}
