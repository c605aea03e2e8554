import type { Kysely, MigrationProvider, Transaction } from 'kysely';
import type { Writer } from './group-commit.js';
import type { Database } from './schema.js';

/**
 * What the shared queries need from a dialect: the database, and the few things SQL cannot say the
 * same way in SQLite and Postgres.
 */
export interface SqlBackend {
  db: Kysely<Database>;
  /**
   * Serialises transactions that read before they write (dedupe, claim, log append) across every
   * process using the database. SQLite needs nothing here: its transactions begin IMMEDIATE, so writers
   * already take turns; Postgres takes a transaction-level advisory lock named by `key`.
   */
  lock(trx: Transaction<Database>, key: string): Promise<void>;
  /**
   * Runs `work` in a write transaction whose commit it may share with concurrent callers' (deliveries
   * arriving together): SQLite batches them, each in a savepoint, since its commits are serial and
   * each writes every page touched; Postgres gives each its own transaction on its own connection.
   * Resolves after the commit. `work` must use only the transaction it is given.
   */
  write: Writer;
  /** Postgres can skip rows another transaction holds (`FOR UPDATE SKIP LOCKED`); SQLite has no row locks. */
  rowLocks: boolean;
  migrations: MigrationProvider;
  /**
   * Called after data was rewritten to remove it (build-arg values): SQLite copies its write-ahead log
   * into the database file and truncates it, so old page images do not linger there. Postgres keeps
   * old row versions until (auto)vacuum, which SQL cannot hurry from here.
   */
  forget(): Promise<void>;
  /** Names the database in error messages; never contains a password. */
  label: string;
  close(): Promise<void>;
}
