import { projectAlias } from '../../core/build.js';
import type { ProjectSummary } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { toBuildRecord } from '../rows.js';
import { toLimit } from './read-builds.js';

/**
 * Each project's latest build, most recent first. The grouped max(seq) reads only the (project, seq)
 * index, so this stays fast with many builds; the join then fetches one row per project.
 */
export async function listProjects(backend: SqlBackend, q: { limit: number }): Promise<ProjectSummary[]> {
  const { db } = backend;
  const latest = db
    .selectFrom('builds')
    .select((eb) => ['project', eb.fn.max('seq').as('latest_seq')])
    .groupBy('project')
    .as('latest');
  const rows = await db
    .selectFrom('builds')
    .innerJoin(latest, 'latest.latest_seq', 'builds.seq')
    .selectAll('builds')
    .orderBy('builds.seq', 'desc')
    .limit(toLimit(q.limit))
    .execute();
  return rows.map((row) => {
    const build = toBuildRecord(row);
    return { name: build.project, alias: projectAlias(build.repo, shortName(build.project, build.repo)), latestBuild: build };
  });
}

/** `redis-server` from `https://github.com/company/redis__redis-server`. */
function shortName(project: string, repo: string): string {
  const prefix = `${repo}__`;
  if (project.startsWith(prefix)) return project.slice(prefix.length);
  const at = project.lastIndexOf('__');
  return at === -1 ? project : project.slice(at + 2);
}
