import type { BuildRecord } from '../../core/build.js';
import { notFound } from '../../core/errors.js';
import type { BuildPatch } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import type { BuildRowPatch } from '../schema.js';

export async function updateBuild(backend: SqlBackend, id: string, patch: BuildPatch): Promise<BuildRecord> {
  const row = await backend.db
    .updateTable('builds')
    .set({ ...toColumns(patch), updated_at: now() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound(`build ${id} not found`);
  return toBuildRecord(row);
}

/** Only the keys the patch names: an absent key leaves the column alone, an explicit null clears it. */
function toColumns(patch: BuildPatch): BuildRowPatch {
  const columns: BuildRowPatch = {};
  if (patch.project !== undefined) columns.project = patch.project;
  if (patch.status !== undefined) columns.status = patch.status;
  if (patch.tag !== undefined) columns.tag = patch.tag;
  if (patch.commit !== undefined) columns.commit_sha = patch.commit;
  if (patch.author !== undefined) columns.author = patch.author;
  if (patch.digest !== undefined) columns.digest = patch.digest;
  if (patch.error !== undefined) columns.error = patch.error;
  if (patch.startedAt !== undefined) columns.started_at = patch.startedAt;
  if (patch.finishedAt !== undefined) columns.finished_at = patch.finishedAt;
  if (patch.durationMs !== undefined) columns.duration_ms = patch.durationMs;
  return columns;
}
