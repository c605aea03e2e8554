import { sql, type Kysely, type Migration } from 'kysely';

/** Roger tags `master` and a repository's default branch `latest`. The wall's query says it the same
 *  way, as a literal, so both databases see that the partial index below covers it. */
export const DEFAULT_BRANCH_TAG = '%:latest';

/**
 * The wall asks each project which branch is its default one: the branch of its newest build tagged
 * `latest`. A partial index holds only those builds, so the answer is one step however many builds a
 * project has on other branches. The stats ask for builds that finished in the last hours or have not
 * finished: one range (and one null lookup) on `finished_at`.
 */
export const wallIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('builds_project_latest_seq')
      .on('builds')
      .columns(['project', 'seq'])
      .where(sql.ref('tag'), 'like', DEFAULT_BRANCH_TAG)
      .execute();
    await db.schema.createIndex('builds_finished_at').on('builds').column('finished_at').execute();
  },
};
