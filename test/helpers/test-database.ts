import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A Postgres database of a test's own, on the server an admin URL (ROGER_TEST_PG) names. */
export interface TestDatabase {
  name: string;
  /** The admin URL with this database's name. */
  url: string;
  /** Drops it (see dropTestDatabase): never fails, a database left behind is reported. */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server of `adminUrl`, for one test (file) to drop afterwards. */
export async function createTestDatabase(adminUrl: string, prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => dropTestDatabase(adminUrl, name) };
}

/**
 * Drops a test database once what used it has stopped: a plain DROP, tried again while it is refused.
 * For a plain DROP Postgres itself ends an autovacuum worker a busy test leaves on the database, where
 * FORCE would try to terminate it and is refused to a role that is not a superuser; trying again waits
 * out the session of a process just stopped or killed. A database still left behind only takes disk
 * space, so it is reported, not failed on.
 */
async function dropTestDatabase(adminUrl: string, name: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await admin(adminUrl, `drop database if exists ${name}`);
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  console.warn(`test database ${name} was left behind: ${String(last)}`);
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
