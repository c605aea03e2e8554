import type { Expression, ExpressionBuilder, Kysely, QueryCreator, SqlBool } from 'kysely';
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
 * the chosen build is marked started. Claims on Postgres that skip that lock (fairPick) take only a
 * repository's `next_seq` too, so the two choices never put two builds on one branch. A filter on
 * builds can choose a branch's younger build while a lock-free claim takes the branch's older one:
 * a claim with one looks at the branch again once it holds the repository's row (claim-next.ts).
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

/**
 * The same choice for a claimer that takes no global lock (Postgres agents): the first repository in
 * the fair order whose row and next build no other transaction holds, both locked until the claim
 * commits; the build's `seq` and its options as queued. Claimers then start builds of different repositories side by side instead of queuing for
 * one lock. Another claim of the same repository holds its row until it commits, so this one passes
 * the repository over rather than start a second build its stale `next_seq` might put on a branch
 * just taken. A row changed since this statement's snapshot is checked again as it now stands (the
 * build still queued, still the repository's next), and passed over when it no longer qualifies.
 *
 * Locking the repository's row here, without waiting, is also what keeps the claim out of deadlocks:
 * the trigger needs that row anyway once the build is marked started, and a writer holding it
 * (a delivery that queued a build of the repository) may be about to write the very build chosen.
 */
export function fairPick(db: QueryCreator<Database>, repos?: RepoFilter) {
  return db
    .selectFrom('repo_queue as r')
    .innerJoin('builds as b', 'b.seq', 'r.next_seq')
    .select(['b.seq', 'b.options'])
    .where('r.next_seq', 'is not', null)
    .where('b.status', '=', 'queued')
    .$call((qb) => (repos ? qb.where(repos) : qb))
    .orderBy('r.running')
    .orderBy('r.next_seq')
    .limit(1)
    .forUpdate(['r', 'b'])
    .skipLocked();
}
