import { Kysely, PostgresDialect, sql } from 'kysely';
import type { SqlBackend } from './backend.js';
import { postgresMigrations } from './migrations/postgres.js';
import type { Database } from './schema.js';

/** Our advisory locks' first key, so they cannot collide with another application's in the same database. */
const LOCK_NAMESPACE = 0x526f6772; // "Rogr"

/** Connects lazily: the first query (the migrations) is what reaches the server. */
export async function openPostgres(url: string): Promise<SqlBackend> {
  // Loaded on demand so an embedded (SQLite) server never loads pg.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle connection the server drops (restart, failover) must not crash the process; the pool
  // replaces it and the next query reports any lasting trouble.
  pool.on('error', () => undefined);
  // The same for a connection in use (between a transaction's queries): the query in flight fails
  // and the pool drops the broken connection when it is released, instead of the process crashing.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    lock: async (trx, key) => {
      await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}::int4, hashtext(${key}))`.execute(trx);
    },
    write: (work) => db.transaction().execute(work),
    rowLocks: true,
    forget: () => Promise.resolve(),
    migrations: postgresMigrations,
    label: `Postgres database ${describeUrl(url)}`,
    close: () => db.destroy(),
  };
}

/** `host:port/database`, without the user and password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
