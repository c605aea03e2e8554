import type { ExpressionBuilder } from 'kysely';
import type { Claimer } from '../../core/agent.js';
import type { BuildRecord } from '../../core/build.js';
import type { ClaimOptions } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import { dropBuildArgs } from './drop-build-args.js';
import { fairOrder, type ClaimFilters, type QueuedFilter, type RepoFilter, type RepoScope } from './fair-order.js';
import { leaseUntil } from './leases.js';

/**
 * Starts the next queued build in the fair order (fair-order.ts) unless `maxStarted` builds already
 * run. An agent's claim takes only builds whose repository asks for no label it lacks, and records the
 * agent; `filter` narrows the queued builds further. The count, the choice and the update run in one
 * serialised transaction (IMMEDIATE in SQLite, an advisory lock in Postgres): without it two claimers
 * could both see room for one more and overshoot the limit, or both see a branch free and start two
 * of its builds.
 */
export async function claimNext(
  backend: SqlBackend,
  maxStarted: number | null,
  opts: ClaimOptions & { filter?: QueuedFilter } = {},
): Promise<BuildRecord | undefined> {
  const { lease, claimer } = opts;
  const filters: ClaimFilters = { repos: claimer ? offersLabels(claimer) : undefined, builds: opts.filter };
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
    // The choice and the update are one statement: one round trip while the lock is held. A pick
    // another writer changed meanwhile (canceled, superseded) updates nothing, and the next try
    // chooses again; the bound only guards against a loop should every pick be taken.
    for (let tries = 0; tries < 5 && !row; tries++) {
      const at = now();
      row = await trx
        .updateTable('builds')
        .set({
          status: 'started',
          started_at: at,
          updated_at: at,
          agent: claimer?.agent ?? null,
          ...(lease && { lease_owner: lease.owner, lease_until: leaseUntil(lease.seconds) }),
        })
        .where('id', '=', fairOrder(trx, filters))
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      if (!row && !(await fairOrder(trx, filters).executeTakeFirst())) return undefined;
    }
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
function offersLabels(claimer: Claimer): RepoFilter {
  const offered = Object.entries(claimer.labels);
  return (eb: ExpressionBuilder<RepoScope, 'r'>) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('repo_labels')
          .select('repo_labels.key')
          .whereRef('repo_labels.repo', '=', 'r.repo')
          .$if(offered.length > 0, (qb) =>
            qb.where((lb) => lb.not(lb.or(offered.map(([key, value]) => lb.and([lb('repo_labels.key', '=', key), lb('repo_labels.value', '=', value)]))))),
          ),
      ),
    );
}
