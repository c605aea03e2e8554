import { sql, type Kysely, type Migration } from 'kysely';

/**
 * `repo_queue`: one row per repository that ever had a build queued or running, with what the claim's
 * fair order (src/store/queries/fair-order.ts) asks of it: how many of its build groups run
 * (`running`) and the build it would start next (`next_seq`: its oldest queued build on a branch
 * with nothing running; null when none may start). The next build to start anywhere is then the
 * first entry of an index on (running, next_seq), where without the table each claim walked the
 * queue past every build of a busy repository.
 *
 * Triggers on `builds` keep the rows right in the transaction of every write that queues, starts,
 * finishes, cancels, re-queues or deletes a queued or running build, whoever writes (server, agent,
 * CLI, psql), so no query can forget it. Each refresh recounts the repository's row from the builds
 * indexes (status, repo, ...): its running builds and its queued ones up to the first on a free
 * branch, instead of adding and subtracting, which would drift as soon as one writer got it wrong.
 * Rows are kept, not deleted, when a repository has nothing left: a row that disappears while
 * another transaction waits to lock it would lose that transaction's refresh; the partial index
 * leaves such rows out.
 */
async function createTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('repo_queue')
    .addColumn('repo', 'text', (c) => c.primaryKey())
    .addColumn('running', 'integer', (c) => c.notNull())
    .addColumn('next_seq', 'integer')
    .execute();
  await db.schema
    .createIndex('repo_queue_next')
    .on('repo_queue')
    .columns(['running', 'next_seq'])
    .where(sql.ref('next_seq'), 'is not', null)
    .execute();
}

/** The running groups of the repository `repo` (an SQL expression) names. */
const running = (repo: string): string =>
  `(select count(distinct b.group_id) from builds b where b.status = 'started' and b.repo = ${repo})`;

/** Its oldest queued build on a branch where nothing runs (the one-build-per-branch rule). */
const nextSeq = (repo: string): string => `
  (select b.seq from builds b
   where b.status = 'queued' and b.repo = ${repo}
     and not exists (select 1 from builds s where s.status = 'started' and s.repo = b.repo and s.branch = b.branch)
   order by b.seq limit 1)`;

const recount = (repo: string): string => `update repo_queue set running = ${running(repo)}, next_seq = ${nextSeq(repo)} where repo = ${repo}`;

/** The rows as the builds stand now; run after the triggers exist, in the same transaction. */
async function backfill(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`insert into repo_queue (repo, running, next_seq)
          select r.repo, ${running('r.repo')}, ${nextSeq('r.repo')}
          from (select distinct repo from builds where status in ('queued', 'started')) r`)
    .execute(db);
}

/** Columns whose change can move a build into, out of or between repositories' counts. */
const WATCHED = 'status, repo, branch';

/**
 * SQLite runs one writer at a time, so a trigger recounts straight away. Row triggers fire as each
 * row changes; a statement changing several rows of one repository recounts after each, the last
 * recount seeing them all.
 */
export const sqliteRepoQueue: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await createTable(db);
    const refresh = (row: 'new' | 'old'): string => `
      insert or ignore into repo_queue (repo, running, next_seq) values (${row}.repo, 0, null);
      ${recount(`${row}.repo`)};`;
    const live = (row: 'new' | 'old'): string => `${row}.status in ('queued', 'started')`;
    await sql.raw(`create trigger repo_queue_insert after insert on builds when ${live('new')} begin ${refresh('new')} end`).execute(db);
    await sql.raw(`create trigger repo_queue_delete after delete on builds when ${live('old')} begin ${refresh('old')} end`).execute(db);
    await sql
      .raw(
        `create trigger repo_queue_update after update of ${WATCHED} on builds
         when (old.status is not new.status or old.repo is not new.repo or old.branch is not new.branch)
          and (${live('old')} or ${live('new')})
         begin ${refresh('old')} ${refresh('new')} end`,
      )
      .execute(db);
    await backfill(db);
  },
};

/**
 * Postgres writers run concurrently under READ COMMITTED, so a recount must see every change
 * committed before it: the function first locks the repository's row (waiting out any transaction
 * that changed the repository's builds and has not committed yet), and only then recounts, in a
 * statement of its own whose snapshot is taken after the lock. A transaction with a change still to
 * commit recounts after it, so the row any snapshot sees matches the builds that snapshot sees. Row
 * triggers run at the end of their statement, so a statement changing several builds recounts once
 * they are all changed.
 */
export const postgresRepoQueue: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await createTable(db);
    await sql
      .raw(
        `create function roger_refresh_repo_queue(r text) returns void language plpgsql as $$
         begin
           insert into repo_queue (repo, running, next_seq) values (r, 0, null)
             on conflict (repo) do update set repo = excluded.repo;
           ${recount('r')};
         end
         $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create function roger_repo_queue() returns trigger language plpgsql as $$
         begin
           if tg_op = 'UPDATE' and old.status = new.status and old.repo = new.repo and old.branch = new.branch then
             return null;
           end if;
           if tg_op <> 'INSERT' and old.status in ('queued', 'started') then
             perform roger_refresh_repo_queue(old.repo);
           end if;
           if tg_op <> 'DELETE' and new.status in ('queued', 'started')
              and (tg_op = 'INSERT' or old.repo <> new.repo or old.status not in ('queued', 'started')) then
             perform roger_refresh_repo_queue(new.repo);
           end if;
           return null;
         end
         $$`,
      )
      .execute(db);
    // Created before the backfill: its lock on builds holds other writers off until this commits.
    await sql
      .raw(`create trigger roger_repo_queue after insert or update of ${WATCHED} or delete on builds for each row execute function roger_repo_queue()`)
      .execute(db);
    await backfill(db);
  },
};
