import { projectId, repoName } from '../../core/build.js';
import type { BuildRecord } from '../../core/build.js';
import type { NewBuild } from '../../core/store.js';
import type { Kysely, Transaction } from 'kysely';
import type { SqlBackend } from '../backend.js';
import type { Database } from '../schema.js';
import { newId, now } from '../ids.js';
import { toBuildRecord } from '../rows.js';

/**
 * Queues a build. When the commit is known, the lookup and the insert share one serialised transaction
 * so two deliveries of the same push cannot both queue a build. Without one there is nothing to look
 * up: the insert commits by itself, a round trip sooner, and with it the wake-up of idle agents.
 */
export async function createBuild(
  backend: SqlBackend,
  b: NewBuild,
): Promise<{ build: BuildRecord; created: boolean }> {
  if ((b.commit ?? null) === null) return { build: await insertQueued(backend.db, b), created: true };
  return backend.db.transaction().execute((trx) => createBuildIn(backend, trx, b));
}

/** createBuild inside a transaction the caller holds (a delivery's records and its build commit together). */
export async function createBuildIn(
  backend: SqlBackend,
  trx: Transaction<Database>,
  b: NewBuild,
): Promise<{ build: BuildRecord; created: boolean }> {
  const commit = b.commit ?? null;
  if (commit !== null) {
    await backend.lock(trx, `enqueue\n${b.repo}\n${b.branch}\n${commit}`);
    const existing = await trx
      .selectFrom('builds')
      .selectAll()
      .where('repo', '=', b.repo)
      .where('branch', '=', b.branch)
      .where('commit_sha', '=', commit)
      .where('status', '=', 'queued')
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (existing) return { build: toBuildRecord(existing), created: false };
  }
  return { build: await insertQueued(trx, b), created: true };
}

async function insertQueued(db: Kysely<Database>, b: NewBuild): Promise<BuildRecord> {
  const id = newId();
  const at = now();
  const row = await db
    .insertInto('builds')
    .values({
      id,
      group_id: id,
      project: projectId(b.repo, repoName(b.repo)),
      repo: b.repo,
      branch: b.branch,
      status: 'queued',
      tag: null,
      commit_sha: b.commit ?? null,
      author: null,
      digest: null,
      trigger: b.trigger,
      options: JSON.stringify(b.options),
      error: null,
      created_at: at,
      updated_at: at,
      started_at: null,
      finished_at: null,
      duration_ms: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toBuildRecord(row);
}
