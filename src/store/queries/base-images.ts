import type { BaseImages, Dependent } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';

/** Rows per INSERT, well under SQLite's bound-variable limit (5 per row). */
const ROWS_PER_INSERT = 100;

/** Replaces a project's rows in one transaction: a reader sees the old set or the new one. */
export async function recordBaseImages(backend: SqlBackend, entry: BaseImages): Promise<void> {
  const at = now();
  const images = [...new Set(entry.images)];
  await backend.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('base_images').where('project', '=', entry.project).execute();
    for (let i = 0; i < images.length; i += ROWS_PER_INSERT) {
      const rows = images.slice(i, i + ROWS_PER_INSERT).map((image) => ({ project: entry.project, image, repo: entry.repo, branch: entry.branch, recorded_at: at }));
      await trx.insertInto('base_images').values(rows).execute();
    }
  });
}

/** One lookup of the (image, project) index. */
export async function dependentsOf(backend: SqlBackend, images: readonly string[]): Promise<Dependent[]> {
  if (images.length === 0) return [];
  const rows = await backend.db
    .selectFrom('base_images')
    .select(['project', 'repo', 'branch'])
    .distinct()
    .where('image', 'in', [...new Set(images)])
    .orderBy('project')
    .execute();
  return rows;
}
