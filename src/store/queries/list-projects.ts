import { projectAlias, projectShortName } from '../../core/build.js';
import type { ProjectSummary } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { toBuildRecord } from '../rows.js';
import { toLimit } from './read-builds.js';

/** How many of the newest builds to look through before falling back to a grouped scan. */
const RECENT_WINDOW = 2000;

/**
 * Each project's latest build, most recent first. Usually the newest builds already name enough
 * projects: their first appearances, newest first, are exactly the projects with the latest builds, so
 * a short index walk answers. When they do not (a few projects dominate), the grouped max(seq) over the
 * (project, seq) index answers instead.
 */
export async function listProjects(backend: SqlBackend, q: { limit: number }): Promise<ProjectSummary[]> {
  const { db } = backend;
  const limit = toLimit(q.limit);
  const recent = await db.selectFrom('builds').select(['project', 'seq']).orderBy('seq', 'desc').limit(RECENT_WINDOW).execute();
  const latestSeqs = new Map<string, number>();
  for (const r of recent) if (!latestSeqs.has(r.project)) latestSeqs.set(r.project, r.seq);
  const complete = latestSeqs.size >= limit || recent.length < RECENT_WINDOW;
  const rows = complete
    ? latestSeqs.size === 0
      ? []
      : await db
          .selectFrom('builds')
          .selectAll()
          .where('seq', 'in', [...latestSeqs.values()].slice(0, limit))
          .orderBy('seq', 'desc')
          .execute()
    : await db
        .selectFrom('builds')
        .innerJoin(
          db.selectFrom('builds').select((eb) => ['project', eb.fn.max('seq').as('latest_seq')]).groupBy('project').as('latest'),
          'latest.latest_seq',
          'builds.seq',
        )
        .selectAll('builds')
        .orderBy('builds.seq', 'desc')
        .limit(limit)
        .execute();
  return rows.map((row) => {
    const build = toBuildRecord(row);
    return { name: build.project, alias: projectAlias(build.repo, projectShortName(build.project, build.repo)), latestBuild: build };
  });
}
