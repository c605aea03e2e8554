import { join } from 'node:path';
import { Migrator } from 'kysely';
import { badInput, isRogerError, systemError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import type { SqlBackend } from './backend.js';
import { describeError } from './errors.js';
import { openPostgres } from './postgres-backend.js';
import { createSqlStore } from './sql-store.js';
import { openSqlite } from './sqlite-backend.js';

/**
 * Opens the store `database.url` names, migrated to the latest schema:
 * - null: the SQLite file `<dataDir>/roger.db` (the directory is created);
 * - `sqlite::memory:` or `:memory:`: an in-memory SQLite database (tests);
 * - `sqlite:PATH`: a SQLite file elsewhere;
 * - `postgres://...` or `postgresql://...`: Postgres, shared by the server and agents.
 */
export async function openStore(url: string | null, opts: { dataDir: string }): Promise<Store> {
  return createSqlStore(await openSqlBackend(url, opts));
}

/** The backend under `openStore`, for tools and tests that need the database itself (bulk seeding). */
export async function openSqlBackend(url: string | null, opts: { dataDir: string }): Promise<SqlBackend> {
  const backend = await connect(url, opts);
  try {
    await migrate(backend);
  } catch (err) {
    await backend.close().catch(() => undefined);
    if (isRogerError(err)) throw err;
    throw systemError(`cannot open the ${backend.label}: ${describeError(err)}`, err);
  }
  return backend;
}

function connect(url: string | null, opts: { dataDir: string }): Promise<SqlBackend> {
  const value = url?.trim() ?? '';
  if (value === '') return openSqlite(join(opts.dataDir, 'roger.db'));
  if (value === ':memory:' || value === 'sqlite::memory:') return openSqlite(':memory:');
  if (/^postgres(ql)?:\/\//i.test(value)) return openPostgres(value);
  if (value.startsWith('sqlite:')) return openSqlite(value.slice('sqlite:'.length).replace(/^\/\//, ''));
  // Only the scheme is echoed: the URL may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1] ?? value.slice(0, 0);
  throw badInput(
    `database.url must be empty (SQLite under paths.builds), sqlite:PATH or postgres://...; got ${scheme ? `a ${scheme}: URL` : 'something else'}`,
  );
}

async function migrate(backend: SqlBackend): Promise<void> {
  const migrator = new Migrator({
    db: backend.db,
    provider: backend.migrations,
    migrationTableName: 'roger_migration',
    migrationLockTableName: 'roger_migration_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
