import type { FastifyInstance } from 'fastify';
import { projectAlias, projectShortName } from '../../core/build.js';
import { notFound } from '../../core/errors.js';
import type { AppDeps } from '../app.js';
import type { ApiProjectBuilds, ApiWall } from '../api-types.js';
import { parseLimit } from '../params.js';
import { renderSummary } from '../render.js';

/** More tiles than this would not be readable on any screen. */
export const WALL_MAX_PROJECTS = 500;
/** The project page's chart: the last 100 builds. */
const HISTORY_DEFAULT = 100;

/**
 * `GET /api/wall`: every project's latest build on its default branch (ApiWall), and
 * `GET /api/projects/:name/builds?limit=N`: one project's newest builds with their pass rate
 * (ApiProjectBuilds; 404 for a project Roger never built).
 */
export function wallRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'store'>): void {
  app.get('/api/wall', async (): Promise<ApiWall> => {
    const projects = await deps.store.wall({ limit: WALL_MAX_PROJECTS });
    return {
      projects: projects.map((p) => ({
        project: p.name,
        name: projectShortName(p.name, p.latestBuild.repo),
        alias: p.alias,
        branch: p.latestBuild.branch,
        build: renderSummary(p.latestBuild),
      })),
    };
  });

  app.get<{ Params: { name: string }; Querystring: { limit?: string } }>('/api/projects/:name/builds', async (req): Promise<ApiProjectBuilds> => {
    const limit = parseLimit(req.query.limit, HISTORY_DEFAULT);
    const builds = await deps.store.listProjectBuilds(req.params.name, limit);
    const newest = builds[0];
    if (!newest) throw notFound('project not found');
    const passed = builds.filter((b) => b.status === 'passed').length;
    const failed = builds.filter((b) => b.status === 'failed').length;
    const name = projectShortName(newest.project, newest.repo);
    return {
      project: newest.project,
      name,
      alias: projectAlias(newest.repo, name),
      builds: builds.map(renderSummary),
      pass_rate: passed + failed === 0 ? null : passed / (passed + failed),
      passed,
      failed,
    };
  });
}
