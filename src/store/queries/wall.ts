import { sql, type RawBuilder } from 'kysely';
import { projectAlias, projectShortName, type BuildStatus } from '../../core/build.js';
import type { ProjectSummary } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { DEFAULT_BRANCH_TAG } from '../migrations/0007-wall-indexes.js';
import { toBuildRecord } from '../rows.js';
import type { BuildRow } from '../schema.js';
import { toLimit } from './read-builds.js';

/** As on a badge: canceled and skipped builds say nothing about a project's health. */
const TELLING: BuildStatus[] = ['queued', 'started', 'passed', 'failed'];

/**
 * Each project's newest queued, started, passed or failed build on its default branch, ordered by
 * project, at most `limit` projects. One query, every step an index seek, so its cost grows with the
 * number of projects and not of builds:
 * - `projects` walks the distinct project names through the (project, seq) index (a loose index scan:
 *   neither database skips through an index on its own);
 * - `heads` takes each project's default branch, the branch of its newest build tagged `latest`
 *   (partial index builds_project_latest_seq); a project whose default branch never got that far shows
 *   its newest build on any branch instead;
 * - `latest` finds that branch's newest telling build in the (project, branch, seq) index.
 */
export async function wall(backend: SqlBackend, q: { limit: number }): Promise<ProjectSummary[]> {
  const { rows } = await wallQuery(q.limit).execute(backend.db);
  return rows.map((row) => {
    const build = toBuildRecord(row);
    return { name: build.project, alias: projectAlias(build.repo, projectShortName(build.project, build.repo)), latestBuild: build };
  });
}

/** The statement alone (its plan is tested). Only literals: no value comes from outside. */
export function wallQuery(limit: number): RawBuilder<BuildRow> {
  const telling = sql.join(TELLING.map((s) => sql.lit(s)));
  return sql<BuildRow>`
    with recursive projects (project, n) as (
      select min(project), 1 from builds
      union all
      select (select min(b.project) from builds b where b.project > p.project), p.n + 1
      from projects p
      where p.project is not null and p.n < ${sql.lit(toLimit(limit))}
    ),
    heads as (
      select p.project, coalesce(
        (select d.branch from builds d
          where d.project = p.project and d.tag like ${sql.lit(DEFAULT_BRANCH_TAG)}
          order by d.seq desc limit 1),
        (select a.branch from builds a
          where a.project = p.project and a.status in (${telling})
          order by a.seq desc limit 1)
      ) as branch
      from projects p
      where p.project is not null
    ),
    latest as (
      select (select t.seq from builds t
          where t.project = h.project and t.branch = h.branch and t.status in (${telling})
          order by t.seq desc limit 1) as seq
      from heads h
      where h.branch is not null
    )
    select builds.* from latest join builds on builds.seq = latest.seq
    order by builds.project`;
}
