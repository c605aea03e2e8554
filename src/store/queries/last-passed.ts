import type { SqlBackend } from '../backend.js';

/** One backward walk of the (project, branch, seq) index to the newest passed build with a commit. */
export async function lastPassedCommit(backend: SqlBackend, project: string, branch: string): Promise<string | undefined> {
  const row = await backend.db
    .selectFrom('builds')
    .select('commit_sha')
    .where('project', '=', project)
    .where('branch', '=', branch)
    .where('status', '=', 'passed')
    .where('commit_sha', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.commit_sha ?? undefined;
}
