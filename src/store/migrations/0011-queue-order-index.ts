import type { Kysely, Migration } from 'kysely';

/**
 * The claim's fair order (src/store/queries/fair-order.ts) asks per repository: which builds run (and
 * on which branches), and which is its oldest queued build. These indexes answer each in one step, so
 * a claim stays fast with thousands of queued builds. The same for both dialects.
 */
export const queueOrderIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('builds_status_repo_seq').on('builds').columns(['status', 'repo', 'seq']).execute();
    await db.schema.createIndex('builds_status_repo_branch').on('builds').columns(['status', 'repo', 'branch']).execute();
  },
};
