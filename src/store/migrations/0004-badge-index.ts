import type { Kysely, Migration } from 'kysely';

/** A badge asks for the newest build of one project on one branch; this index answers it in one step. */
export const badgeIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('builds_project_branch_seq').on('builds').columns(['project', 'branch', 'seq']).execute();
  },
};
