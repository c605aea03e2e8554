import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Postgres only: the badge's index (0004) also carries each build's status. A project whose builds
 * are old next to everyone else's (half of all builds, none in months) looked to the planner as if
 * a backward scan of the primary key would meet one of its builds at once; the scan walked every
 * newer build instead (5 ms at 100,000). With the status in the index, the badge's walk is index-only
 * and the cheaper plan by the planner's own count. Built before the old one is dropped: the badge is
 * never without an index.
 */
export const postgresBadgeCoveringIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create index builds_project_branch_seq_status on builds (project, branch, seq) include (status)`.execute(db);
    await sql`drop index builds_project_branch_seq`.execute(db);
  },
};
