import type { Transaction } from 'kysely';
import type { BuildRecord } from '../../core/build.js';
import type { Supersession } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import type { BuildRow, Database } from '../schema.js';
import { dropBuildArgs } from './drop-build-args.js';

/** A build and the `seq` of its group's first build: siblings are younger rows of an older request. */
type LiveRow = BuildRow & { unit_seq: number };

/**
 * Cancels every queued build of `repo` + `branch` older than the branch's newest queued or running
 * request, and reports the older running ones. Builds of tags (as the webhook said) are left alone
 * and never count as the newest.
 *
 * "Older than the newest", not "older than the build just queued": two requests whose inserts commit
 * in the other order would otherwise each leave the other queued. Whichever call runs last sees every
 * build committed before it, so the branch ends with only its newest request. It runs under the claim
 * lock, so no claim that takes it starts a build between the choice and the cancel; a build a
 * lock-free claim (Postgres) started meanwhile is reported as running instead of canceled.
 */
export async function supersede(backend: SqlBackend, repo: string, branch: string): Promise<Supersession | undefined> {
  const result = await backend.db.transaction().execute((trx) => supersedeIn(backend, trx, repo, branch));
  if (result.dropped) await backend.forget();
  return result.supersession;
}

/**
 * `supersede` inside a transaction the caller holds (a delivery's, so its build and the cancels commit
 * together). `dropped`: build-argument values were rewritten away, and the caller calls
 * `backend.forget()` once the transaction has committed.
 */
export async function supersedeIn(
  backend: SqlBackend,
  trx: Transaction<Database>,
  repo: string,
  branch: string,
): Promise<{ supersession: Supersession | undefined; dropped: boolean }> {
  await backend.lock(trx, 'claim');
  const rows: LiveRow[] = await withUnitSeq(trx)
    .where('r.repo', '=', repo)
    .where('r.branch', '=', branch)
    .where('r.status', 'in', ['queued', 'started'])
    .execute();
  const live = rows.map((row) => ({ row, build: toBuildRecord(row) })).filter(({ build }) => !isTagBuild(build));
  const newestSeq = Math.max(...live.map(({ row }) => row.unit_seq));
  const newest = live.filter(({ row }) => row.unit_seq === newestSeq).sort((a, b) => a.row.seq - b.row.seq)[0];
  if (!newest) return { supersession: undefined, dropped: false };
  const older = live.filter(({ row }) => row.unit_seq < newestSeq);
  const error = `superseded by ${newest.build.groupId}`;
  const at = now();
  const ids = older.filter(({ row }) => row.status === 'queued').map(({ row }) => row.id);
  const canceledRows =
    ids.length === 0
      ? []
      : await trx
          .updateTable('builds')
          .set({ status: 'canceled', error, finished_at: at, updated_at: at })
          .where('id', 'in', ids)
          .where('status', '=', 'queued')
          .returningAll()
          .execute();
  // Claims on Postgres take no lock (claim-next.ts): one may have started an older build between the
  // read and the cancel. Such a build runs now, and is reported with the running ones.
  const canceledIds = new Set(canceledRows.map((r) => r.id));
  const missed = ids.filter((id) => !canceledIds.has(id));
  const startedSince: LiveRow[] =
    missed.length === 0
      ? []
      : await withUnitSeq(trx)
          .where('r.id', 'in', missed)
          .where('r.status', '=', 'started')
          .execute();
  let dropped = false;
  const canceled: BuildRecord[] = [];
  // A canceled build will never need its build-arg values.
  for (const row of canceledRows) {
    const result = await dropBuildArgs(trx, row);
    dropped ||= result.dropped;
    canceled.push(toBuildRecord(result.row));
  }
  const running = new Map<string, BuildRecord>();
  const startedOlder = [...older.filter(({ row }) => row.status === 'started'), ...startedSince.map((row) => ({ row, build: toBuildRecord(row) }))];
  for (const { build } of startedOlder.sort((a, b) => a.row.seq - b.row.seq)) {
    if (!running.has(build.groupId)) running.set(build.groupId, build);
  }
  return { supersession: { newest: newest.build, canceled: canceled.sort(bySeqOf(canceledRows)), running: [...running.values()] }, dropped };
}

/** Builds (`r`) with the `seq` of their group's first build: which request each belongs to, and its age. */
function withUnitSeq(trx: Transaction<Database>) {
  return trx.selectFrom('builds as r').innerJoin('builds as p', 'p.id', 'r.group_id').selectAll('r').select('p.seq as unit_seq');
}

/** Tags are releases: each build of one is kept, whatever else is pushed. */
export const isTagBuild = (build: BuildRecord): boolean => build.options.webhook?.refType === 'tag';

/** RETURNING promises no order: oldest first, as the rows were queued. */
function bySeqOf(rows: BuildRow[]): (a: BuildRecord, b: BuildRecord) => number {
  const seq = new Map(rows.map((r) => [r.id, r.seq]));
  return (a, b) => (seq.get(a.id) ?? 0) - (seq.get(b.id) ?? 0);
}
