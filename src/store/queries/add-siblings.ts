import type { BuildRecord } from '../../core/build.js';
import { notFound } from '../../core/errors.js';
import type { SqlBackend } from '../backend.js';
import { newId, now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import type { NewBuildRow } from '../schema.js';

/**
 * Rows per INSERT: each row binds one variable per column, and SQLite refuses a statement with more
 * than 32,766 variables (older builds: 999), so a long list goes in several statements.
 */
export const SIBLINGS_PER_INSERT = 50;

/**
 * Adds a started build for each of the group's other projects. They copy the request (repo, branch,
 * commit, trigger, options) from the group's first build, which is already running the checkout.
 */
export async function addSiblings(backend: SqlBackend, groupId: string, projects: string[]): Promise<BuildRecord[]> {
  if (projects.length === 0) return [];
  return backend.db.transaction().execute(async (trx) => {
    const first = await trx
      .selectFrom('builds')
      .selectAll()
      .where('group_id', '=', groupId)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (!first) throw notFound(`build group ${groupId} not found`);
    const at = now();
    const rows: NewBuildRow[] = projects.map((project) => ({
      id: newId(),
      group_id: groupId,
      project,
      repo: first.repo,
      branch: first.branch,
      status: 'started',
      tag: null,
      commit_sha: first.commit_sha,
      author: first.author,
      digest: null,
      trigger: first.trigger,
      options: first.options,
      error: null,
      created_at: at,
      updated_at: at,
      started_at: at,
      finished_at: null,
      duration_ms: null,
      // The first build's process runs them: they live and die with its lease.
      lease_owner: first.lease_owner,
      lease_until: first.lease_until,
      attempt: first.attempt,
      // The group runs in one pipeline, on the agent that claimed its first build.
      agent: first.agent,
    }));
    const inserted = [];
    for (let i = 0; i < rows.length; i += SIBLINGS_PER_INSERT) {
      inserted.push(...(await trx.insertInto('builds').values(rows.slice(i, i + SIBLINGS_PER_INSERT)).returningAll().execute()));
    }
    // RETURNING promises no order; callers expect the order they asked for.
    return inserted.sort((a, b) => a.seq - b.seq).map(toBuildRecord);
  });
}
