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
  /** Names the database in error messages; never contains a password. */
  label: string;
  close(): Promise<void>;
}
