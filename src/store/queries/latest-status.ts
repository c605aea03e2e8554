import type { Kysely } from 'kysely';
import type { BuildStatus } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import type { Database } from '../schema.js';

/** Canceled and skipped builds say nothing about a project's health, so a badge looks past them. */
const TELLING: BuildStatus[] = ['queued', 'started', 'passed', 'failed'];

/**
 * The status of the newest queued, started, passed or failed build of one project, on one branch when
 * given. One backward walk of the (project, branch, seq) index, or of (project, seq) without a
 * branch. Only the status is read: on Postgres the branch's index carries it (migration 0016), so the
 * walk never visits the table, and the planner takes it over a backward scan of every newer build.
 */
export async function latestStatus(backend: SqlBackend, project: string, branch?: string): Promise<BuildStatus | undefined> {
  return (await latestStatusQuery(backend.db, project, branch).executeTakeFirst())?.status;
}

/** The query itself, for its plan to be looked at. */
export function latestStatusQuery(db: Kysely<Database>, project: string, branch?: string) {
  let query = db.selectFrom('builds').select('status').where('project', '=', project);
  if (branch !== undefined) query = query.where('branch', '=', branch);
  return query.where('status', 'in', TELLING).orderBy('seq', 'desc').limit(1);
}
