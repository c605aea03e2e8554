import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { BuildsTable, Database } from '../schema.js';

/** The queued build under consideration, as `q`, for a condition the claimer adds (an agent's labels). */
export type QueuedScope = Database & { q: BuildsTable };
export type QueuedFilter = (eb: ExpressionBuilder<QueuedScope, 'q'>) => Expression<SqlBool>;

/**
 * Which queued build starts next, as one query selecting its `id` (no row: none may start).
 *
 * The order: the repository with the fewest running build groups first (siblings of one request are
 * one unit), then the oldest queued build (`seq`). A build whose repository and branch already has a
 * build running waits, so one branch never runs twice at once; the key is repository + branch because
 * the project is only known after the checkout. A repository pushing 200 branches therefore takes
 * one slot after another while any other repository's build is taken as soon as a slot frees.
 *
 * Sorting every queued build by its repository's running count would read the whole queue on each
 * claim. Instead the query takes one head per level, each an index walk that stops at its first
 * match: the oldest queued build of any repository with nothing running (running count 0), and for
 * each repository that runs something (few: at most the builds running) its oldest queued build on a
 * branch that is free. The best head wins. Indexes: (status, seq), (status, repo, seq) and
 * (status, repo, branch) (migration 0011).
 *
 * Run it under the claim lock (see claim-next.ts): the running set it reads must not change before
 * the chosen build is marked started.
 */
export function fairOrder(db: Kysely<Database>, filter?: QueuedFilter) {
  return db
    .with('running', (w) =>
      w
        .selectFrom('builds')
        .select((eb) => ['repo', eb.fn.count<number>('group_id').distinct().as('n')])
        .where('status', '=', 'started')
        .groupBy('repo'),
    )
    .with('heads', (w) =>
      w
        .selectNoFrom((eb) => [
          eb.lit<number>(0).as('n'),
          eb
            .selectFrom('builds as q')
            .select('q.seq')
            .where('q.status', '=', 'queued')
            .where(({ not, exists, selectFrom }) =>
              not(exists(selectFrom('builds as s').select('s.seq').where('s.status', '=', 'started').whereRef('s.repo', '=', 'q.repo'))),
            )
            .$call((qb) => (filter ? qb.where(filter) : qb))
            .orderBy('q.seq')
            .limit(1)
            .as('seq'),
        ])
        .unionAll((u) =>
          u.selectFrom('running as r').select((eb) => [
            'r.n',
            eb
              .selectFrom('builds as q')
              .select('q.seq')
              .where('q.status', '=', 'queued')
              .whereRef('q.repo', '=', 'r.repo')
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
              .$call((qb) => (filter ? qb.where(filter) : qb))
              .orderBy('q.seq')
              .limit(1)
              .as('seq'),
          ]),
        ),
    )
    .selectFrom('heads as h')
    .innerJoin('builds as b', 'b.seq', 'h.seq')
    .select('b.id')
    .orderBy('h.n')
    .orderBy('h.seq')
    .limit(1);
}
