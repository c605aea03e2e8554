import type { BuildRecord, BuildStatus } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import { toBuildRecord } from '../rows.js';

/** Canceled and skipped builds say nothing about a project's health, so a badge looks past them. */
const TELLING: BuildStatus[] = ['queued', 'started', 'passed', 'failed'];

/**
 * The newest queued, started, passed or failed build of one project, on one branch when given. One
 * backward walk of the (project, branch, seq) index, or of (project, seq) without a branch.
 */
export async function latestBuild(backend: SqlBackend, project: string, branch?: string): Promise<BuildRecord | undefined> {
  let query = backend.db.selectFrom('builds').selectAll().where('project', '=', project);
  if (branch !== undefined) query = query.where('branch', '=', branch);
  const row = await query.where('status', 'in', TELLING).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row && toBuildRecord(row);
}
