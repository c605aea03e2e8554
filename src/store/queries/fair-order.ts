import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { BuildsTable, Database, RepoQueueTable } from '../schema.js';

/** The queued build under consideration, as `q`, for a condition the claimer adds. */
export type QueuedScope = Database & { q: BuildsTable };
export type QueuedFilter = (eb: ExpressionBuilder<QueuedScope, 'q'>) => Expression<SqlBool>;

/** The repository under consideration, as `r` (its `repo_queue` row), for a condition on the repository alone (an agent's labels). */
export type RepoScope = Database & { r: RepoQueueTable };
export type RepoFilter = (eb: ExpressionBuilder<RepoScope, 'r'>) => Expression<SqlBool>;

/** What a claimer may take: builds of the repositories `repos` admits, and of those the ones `builds` admits; both optional. */
export interface ClaimFilters {
  repos?: RepoFilter;
  builds?: QueuedFilter;
}

/**
 * Which queued build starts next, as one query selecting its `id` (no row: none may start).
 *
 * The order: the repository with the fewest running build groups first (siblings of one request are
 * one unit), then the oldest queued build (`seq`). A build whose repository and branch already has a
 * build running waits, so one branch never runs twice at once; the key is repository + branch because
 * the project is only known after the checkout. A repository pushing 200 branches therefore takes
 * one slot after another while any other repository's build is taken as soon as a slot frees.
 *
 * `repo_queue` (migration 0012, kept by triggers) holds per repository its running groups and its
 * next build (its oldest queued build on a free branch), so the answer is the first entry of the
 * index on (running, next_seq): one seek, however long the queue and however many repositories
 * run something. A repository filter (an agent's labels) reads on past the repositories it refuses.
 *
 * A filter on builds could refuse a repository's next build yet admit a younger one of it, so with
 * one the query ranks every queued build on a free branch instead (tests use it on small queues).
 *
 * Run it under the claim lock (see claim-next.ts): the running set it reads must not change before
 * the chosen build is marked started.
 */
export function fairOrder(db: Kysely<Database>, filters: ClaimFilters = {}) {
  const { repos, builds } = filters;
  return db
    .selectFrom('builds as b')
    .select('b.id')
    .where('b.seq', '=', (eb) =>
      builds
        ? eb
            .selectFrom('builds as q')
            .innerJoin('repo_queue as r', 'r.repo', 'q.repo')
            .select('q.seq')
            .where('q.status', '=', 'queued')
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('builds as s')
                    .select('s.seq')
                    .where('s.status', '=', 'started')
                    .whereRef('s.repo', '=', 'q.repo')
                    .whereRef('s.branch', '=', 'q.branch'),
                ),
              ),
            )
            .where(builds)
            .$call((qb) => (repos ? qb.where(repos) : qb))
            .orderBy('r.running')
            .orderBy('q.seq')
            .limit(1)
        : eb
            .selectFrom('repo_queue as r')
            .select('r.next_seq')
            .where('r.next_seq', 'is not', null)
            .$call((qb) => (repos ? qb.where(repos) : qb))
            .orderBy('r.running')
            .orderBy('r.next_seq')
            .limit(1),
    );
}
