import type { ExpressionBuilder, Transaction } from 'kysely';
import type { Claimer } from '../../core/agent.js';
import type { BuildRecord } from '../../core/build.js';
import type { ClaimOptions } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import type { BuildRow, Database } from '../schema.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import { dropBuildArgs } from './drop-build-args.js';
import { fairOrder, fairPick, type ClaimFilters, type QueuedFilter, type RepoFilter, type RepoScope } from './fair-order.js';
import { leaseUntil } from './leases.js';

/**
 * Starts the next queued build in the fair order (fair-order.ts) unless `maxStarted` builds already
 * run. An agent's claim takes only builds whose repository asks for no label it lacks, and records the
 * agent; `filter` narrows the queued builds further. The count, the choice and the update run in one
 * serialised transaction (IMMEDIATE in SQLite, an advisory lock in Postgres): without it two claimers
 * could both see room for one more and overshoot the limit, or both see a branch free and start two
 * of its builds. On Postgres a claim with no limit and no filter (every agent's, every server's
 * sharing the database) needs no such lock: row locks keep it right (claimByRowLocks).
 */
export async function claimNext(
  backend: SqlBackend,
  maxStarted: number | null,
  opts: ClaimOptions & { filter?: QueuedFilter } = {},
): Promise<BuildRecord | undefined> {
  const { claimer } = opts;
  const filters: ClaimFilters = { repos: claimer ? offersLabels(claimer) : undefined, builds: opts.filter };
  if (backend.rowLocks && maxStarted === null && filters.builds === undefined) return claimByRowLocks(backend, filters.repos, opts);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await claimUnderLock(backend, maxStarted, filters, opts);
    } catch (err) {
      if (!(err instanceof BranchTaken)) throw err;
    }
  }
  return undefined;
}

/** Rolls back a claim under the lock that a lock-free claim beat to the branch; the claim tries again. */
class BranchTaken extends Error {}

async function claimUnderLock(backend: SqlBackend, maxStarted: number | null, filters: ClaimFilters, opts: ClaimOptions): Promise<BuildRecord | undefined> {
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
      row = await trx
        .updateTable('builds')
        .set(startedColumns(opts))
        .where('id', '=', fairOrder(trx, filters))
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      // SQLite's transaction excludes every other writer: a miss there means nothing can start.
      if (!row && (!backend.rowLocks || !(await fairOrder(trx, filters).executeTakeFirst()))) return undefined;
    }
    if (!row) return undefined;
    // A filter on builds can choose a branch's younger build while a lock-free claim (Postgres,
    // claimByRowLocks) starts its older one. The update's trigger has since locked the repository's
    // row, waiting out any such claim, and holds off the next until this commits: a read now sees
    // every build of the branch another claim started.
    if (backend.rowLocks && filters.builds && (await startedBeside(trx, row))) throw new BranchTaken();
    // The caller gets the build args' values to run with; the store keeps only their names.
    const { dropped } = await dropBuildArgs(trx, row);
    return { build: toBuildRecord(row), dropped };
  });
  if (claimed?.dropped) await backend.forget();
  return claimed?.build;
}

/** Whether a build of `row`'s repository and branch other than `row` runs. */
async function startedBeside(trx: Transaction<Database>, row: BuildRow): Promise<boolean> {
  const other = await trx
    .selectFrom('builds')
    .select('id')
    .where('status', '=', 'started')
    .where('repo', '=', row.repo)
    .where('branch', '=', row.branch)
    .where('id', '!=', row.id)
    .limit(1)
    .executeTakeFirst();
  return other !== undefined;
}

/** How long a claim that finds every candidate held by another transaction keeps trying, and its pauses. */
const HELD_MS = 1000;
const heldPause = (tries: number): number => Math.min(1 + tries, 10);

/**
 * Postgres with no limit to hold (agents, servers sharing the database): no global lock, and one
 * statement in a transaction of its own, so a claim is one round trip. The choice locks its
 * repository's row and its build, passing over those other claims hold (fairPick), so claimers of
 * different repositories run side by side; the same statement marks the build started and stores its
 * options without the build arguments' values (roger_without_buildarg_values, migration 0015), the
 * values going to the caller from the options as queued.
 *
 * The one-build-per-branch rule holds without the lock: the repository's row, recounted in every
 * transaction that changes its builds, names a build on a branch free in the snapshot the choice
 * reads, and a build of that branch started meanwhile either still holds the row (passed over) or
 * has committed a recount that no longer names the build (checked again, passed over).
 *
 * A claim that finds every candidate held (another claim of the only repository with work) tries
 * again shortly rather than wait on the rows, which could deadlock with a writer holding them in the
 * other order; it gives up when the fair order shows nothing left to start.
 */
async function claimByRowLocks(backend: SqlBackend, repos: RepoFilter | undefined, opts: ClaimOptions): Promise<BuildRecord | undefined> {
  const giveUpAt = Date.now() + HELD_MS;
  for (let tries = 0; ; tries++) {
    const row = await backend.db
      .with('pick', (db) => fairPick(db, repos))
      .updateTable('builds')
      .from('pick')
      .set(startedColumns(opts))
      .set((eb) => ({ options: eb.fn.coalesce(eb.fn<string | null>('roger_without_buildarg_values', ['pick.options']), 'pick.options') }))
      .whereRef('builds.seq', '=', 'pick.seq')
      .returningAll('builds')
      .returning('pick.options as queued_options')
      .executeTakeFirst();
    if (row) {
      const { queued_options, ...stored } = row;
      if (stored.options !== queued_options) await backend.forget();
      return toBuildRecord({ ...stored, options: queued_options });
    }
    if (Date.now() >= giveUpAt || !(await fairOrder(backend.db, { repos }).executeTakeFirst())) return undefined;
    await new Promise((resolve) => setTimeout(resolve, heldPause(tries)));
  }
}

/** What a claim writes on the build it starts. */
function startedColumns({ lease, claimer }: ClaimOptions) {
  const at = now();
  return {
    status: 'started' as const,
    started_at: at,
    updated_at: at,
    agent: claimer?.agent ?? null,
    ...(lease && { lease_owner: lease.owner, lease_until: leaseUntil(lease.seconds) }),
  };
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
