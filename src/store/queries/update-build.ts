import type { Kysely, Transaction } from 'kysely';
import type { BuildRecord } from '../../core/build.js';
import { notFound } from '../../core/errors.js';
import { LeaseLostError, type BuildPatch, type Lease } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import type { BuildRow, BuildRowPatch, Database } from '../schema.js';
import { dropBuildArgs } from './drop-build-args.js';

export async function updateBuild(backend: SqlBackend, id: string, patch: BuildPatch, lease?: Lease): Promise<BuildRecord> {
  // Leaving the queue other than by a claim (a queued build canceled): build-arg values go too.
  if (patch.status === undefined || patch.status === 'queued') return toBuildRecord(await update(backend.db, id, patch, lease));
  const { row, dropped } = await backend.db.transaction().execute(async (trx) => dropBuildArgs(trx, await update(trx, id, patch, lease)));
  if (dropped) await backend.forget();
  return toBuildRecord(row);
}

async function update(db: Kysely<Database> | Transaction<Database>, id: string, patch: BuildPatch, lease: Lease | undefined): Promise<BuildRow> {
  const row = await db
    .updateTable('builds')
    .set({ ...toColumns(patch), updated_at: now() })
    .where('id', '=', id)
    // Fencing: a run whose build was taken back (re-queued, claimed again, or failed `lost`) writes nothing.
    .$if(lease !== undefined, (qb) => qb.where('lease_owner', '=', lease?.owner ?? '').where('attempt', '=', lease?.attempt ?? 0))
    .returningAll()
    .executeTakeFirst();
  if (row) return row;
  if (lease && (await db.selectFrom('builds').select('id').where('id', '=', id).executeTakeFirst())) throw new LeaseLostError(id);
  throw notFound(`build ${id} not found`);
}

/** Only the keys the patch names: an absent key leaves the column alone, an explicit null clears it. */
function toColumns(patch: BuildPatch): BuildRowPatch {
  const columns: BuildRowPatch = {};
  if (patch.project !== undefined) columns.project = patch.project;
  if (patch.branch !== undefined) columns.branch = patch.branch;
  if (patch.tags !== undefined) columns.tags = JSON.stringify(patch.tags);
  if (patch.notify !== undefined) columns.notify = JSON.stringify(patch.notify);
  if (patch.status !== undefined) columns.status = patch.status;
  if (patch.tag !== undefined) columns.tag = patch.tag;
  if (patch.commit !== undefined) columns.commit_sha = patch.commit;
  if (patch.author !== undefined) columns.author = patch.author;
  if (patch.digest !== undefined) columns.digest = patch.digest;
  if (patch.error !== undefined) columns.error = patch.error;
  if (patch.startedAt !== undefined) columns.started_at = patch.startedAt;
  if (patch.finishedAt !== undefined) columns.finished_at = patch.finishedAt;
  if (patch.durationMs !== undefined) columns.duration_ms = patch.durationMs;
  if (patch.pushed !== undefined) columns.pushed = patch.pushed ? 1 : 0;
  return columns;
}
