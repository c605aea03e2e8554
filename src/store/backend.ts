import type { Kysely, MigrationProvider, Transaction } from 'kysely';
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
