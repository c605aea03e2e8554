import type { BuildRecord } from '../../core/build.js';
import type { SqlBackend } from '../backend.js';
import { toBuildRecord } from '../rows.js';
import { toLimit } from './read-builds.js';

/** One project's newest builds, newest first: a backward walk of the (project, seq) index. */
export async function listProjectBuilds(backend: SqlBackend, project: string, limit: number): Promise<BuildRecord[]> {
  const rows = await backend.db
    .selectFrom('builds')
    .selectAll()
    .where('project', '=', project)
    .orderBy('seq', 'desc')
    .limit(toLimit(limit))
    .execute();
  return rows.map(toBuildRecord);
}
