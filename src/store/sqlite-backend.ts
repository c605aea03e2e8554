import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, sql } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDatabase, SqliteDialectConfig, SqliteStatement } from 'kysely';
import { systemError } from '../core/errors.js';
import type { SqlBackend } from './backend.js';
import { groupCommit } from './group-commit.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { describeError } from './errors.js';
import { sqliteMigrations } from './migrations/sqlite.js';
import type { Database } from './schema.js';

/**
 * Every store transaction writes, so it begins IMMEDIATE: it takes the write lock up front (waiting
 * out busy_timeout) instead of failing with SQLITE_BUSY when it later tries to upgrade a read lock
 * that another process has overtaken. This is what serialises dedupe and claims across processes.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  // SQLite rolls a transaction back by itself on errors such as SQLITE_FULL; Kysely's ROLLBACK then
  // fails with "no transaction is active" and would hide the error that matters (the disk is full).
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (err) {
      if (err instanceof Error && /no transaction is active/.test(err.message)) return;
      throw err;
    }
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** Distinct SQL texts the store uses are few (one set of queries, limits bound as parameters). */
const MAX_CACHED_STATEMENTS = 256;

/**
 * Kysely asks better-sqlite3 to prepare every query anew; preparing costs more than running these
 * small queries, so statements are kept by their SQL text and reused. Safe because the driver runs
 * one statement at a time on its single connection.
 */
function cachingStatements(sqlite: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value ?? '');
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** Opens (creating if needed) the SQLite file at `path`, or an in-memory database for `:memory:`. */
export async function openSqlite(path: string): Promise<SqlBackend> {
  const memory = path === ':memory:';
  const label = memory ? 'in-memory SQLite database' : `SQLite database ${path}`;
  const cannotOpen = (err: unknown) => systemError(`cannot open the ${label}: ${describeError(err)}`, err);
  if (!memory) await mkdir(dirname(path), { recursive: true }).catch((err: unknown) => Promise.reject(cannotOpen(err)));

  // Loaded on demand so a Postgres deployment never needs the native SQLite module.
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  let sqlite: InstanceType<typeof BetterSqlite3>;
  try {
    sqlite = new BetterSqlite3(path);
  } catch (err) {
    throw cannotOpen(err);
  }
  try {
    // WAL lets the API read while a build writes its log; NORMAL is durable across process crashes,
    // which is what a build server needs; busy_timeout makes other processes wait instead of fail.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // Rewritten rows (build-arg values dropped) must not stay readable in freed space of the file.
    sqlite.pragma('secure_delete = ON');
    // journal_mode on a read-only file does not fail, so prove now that we can write.
    if (!memory) sqlite.exec('begin immediate; rollback');
  } catch (err) {
    sqlite.close();
    throw cannotOpen(err);
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }) });
  const checkpointer = memory ? undefined : startCheckpointer(sqlite, path);
  return {
    db,
    lock: () => Promise.resolve(),
    write: groupCommit(db),
    rowLocks: false,
    forget: async () => {
      // Through Kysely, so it waits for (and never runs inside) another query's transaction.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    },
    migrations: sqliteMigrations,
    label,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
