import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Writer = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

interface Job {
  work(trx: Transaction<Database>): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Writers sharing one commit at most, so one batch never holds the database for long. */
const MAX_BATCH = 64;

/**
 * Group commit for a database with one writer at a time (SQLite): a commit costs the write of every
 * page the transaction touched (a build row touches a dozen index pages), so writers arriving while a
 * transaction runs wait and then share the next one, each in a savepoint of its own. One that fails
 * is rolled back to its savepoint and fails alone; a failed commit fails them all. Each caller's
 * promise settles only after the commit, so what it wrote is durable once it resolves.
 */
export function groupCommit(db: Kysely<Database>): Writer {
  const waiting: Job[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    while (waiting.length > 0) await commitTogether(db, waiting.splice(0, MAX_BATCH));
    draining = false;
  };
  return <T>(work: (trx: Transaction<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ work, resolve: (value) => resolve(value as T), reject });
      if (draining) return;
      draining = true;
      // better-sqlite3 is synchronous: a transaction begun now would run to its commit before any
      // other request is read. Begun after this turn's I/O callbacks, it takes every writer they made.
      setImmediate(() => void drain());
    });
}

async function commitTogether(db: Kysely<Database>, batch: Job[]): Promise<void> {
  const outcomes: Outcome[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      const [only] = batch;
      if (batch.length === 1 && only) {
        outcomes.push({ ok: true, value: await only.work(trx) });
        return;
      }
      for (const job of batch) {
        await sql`savepoint grouped_writer`.execute(trx);
        try {
          const value = await job.work(trx);
          await sql`release grouped_writer`.execute(trx);
          outcomes.push({ ok: true, value });
        } catch (error) {
          // Should the rollback fail (the database already rolled everything back), the batch fails.
          await sql`rollback to grouped_writer`.execute(trx);
          await sql`release grouped_writer`.execute(trx);
          outcomes.push({ ok: false, error });
        }
      }
    });
  } catch (error) {
    for (const job of batch) job.reject(error);
    return;
  }
  batch.forEach((job, i) => {
    const outcome = outcomes[i];
    if (outcome?.ok) job.resolve(outcome.value);
    else job.reject(outcome?.error ?? new Error('the grouped transaction ended without this writer'));
  });
}
