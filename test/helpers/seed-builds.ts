import type { SqlBackend } from '../../src/store/backend.js';
import type { NewBuildRow } from '../../src/store/schema.js';

// Within SQLite's and Postgres' bound-parameter limits (19 columns a row).
const BATCH = 1_000;

/** What a seeded build says; a column left out is null (or its default). */
export type SeedBuild = Pick<NewBuildRow, 'repo' | 'project' | 'branch' | 'status' | 'created_at' | 'updated_at'> & Partial<NewBuildRow>;

/**
 * Inserts `total` builds straight into the builds table, in batches: a store as full as a busy
 * server's in seconds. Build i, in insertion order, is `seed<i>` (a group of its own), requested
 * through the API with no options; `build(i)` says the rest.
 */
export async function seedBuilds(backend: SqlBackend, total: number, build: (i: number) => SeedBuild): Promise<void> {
  for (let start = 0; start < total; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, total - start) }, (_, k): NewBuildRow => {
      const i = start + k;
      return { id: `seed${i}`, group_id: `seed${i}`, trigger: 'api', options: '{}', ...build(i) };
    });
    await backend.db.insertInto('builds').values(rows).execute();
  }
}
