import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../src/core/store.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { openSqlBackend } from '../../src/store/open.js';
import { openPostgres } from '../../src/store/postgres-backend.js';
import { openSqlite } from '../../src/store/sqlite-backend.js';
import { createSqlStore } from '../../src/store/sql-store.js';
import { createTestDatabase } from '../helpers/test-database.js';

/**
 * The databases every store test runs against: in-memory SQLite always, and Postgres when
 * ROGER_TEST_PG names one (scripts/postgres.sh prints it). Each Postgres test gets a database of its
 * own, created from that URL and dropped afterwards, so tests never see each other's rows.
 */
export interface Opened {
  backend: SqlBackend;
  store: Store;
  /** The URL the store was opened with, to open a second store (another process) on the same data. */
  url: string;
  dispose(): Promise<void>;
}

export interface BackendCase {
  name: 'sqlite' | 'postgres';
  open(): Promise<Opened>;
  /** A fresh database with no migration run yet, to test a migration on rows written before it. */
  openUnmigrated(): Promise<{ backend: SqlBackend; dispose(): Promise<void> }>;
}

const sqlite: BackendCase = {
  name: 'sqlite',
  async open() {
    const url = 'sqlite::memory:';
    const backend = await openSqlBackend(url, { dataDir: '/nonexistent' });
    const store = createSqlStore(backend);
    return { backend, store, url, dispose: () => store.close() };
  },
  async openUnmigrated() {
    const backend = await openSqlite(':memory:');
    return { backend, dispose: () => backend.close() };
  },
};

function postgres(adminUrl: string): BackendCase {
  return {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(adminUrl, 'roger_test');
      const backend = await openSqlBackend(db.url, { dataDir: '/nonexistent' });
      const store = createSqlStore(backend);
      const dispose = async () => {
        await store.close();
        await db.drop();
      };
      return { backend, store, url: db.url, dispose };
    },
    async openUnmigrated() {
      const db = await createTestDatabase(adminUrl, 'roger_test');
      const backend = await openPostgres(db.url);
      const dispose = async () => {
        await backend.close();
        await db.drop();
      };
      return { backend, dispose };
    },
  };
}

const pgUrl = process.env.ROGER_TEST_PG;
export const backendCases: BackendCase[] = pgUrl ? [sqlite, postgres(pgUrl)] : [sqlite];

/** Opens a fresh store before each test of the enclosing describe and disposes of it after. */
export function useStore(c: BackendCase): () => Opened {
  let opened: Opened | undefined;
  beforeEach(async () => {
    opened = await c.open();
  });
  afterEach(async () => {
    const done = opened;
    opened = undefined;
    await done?.dispose();
  });
  return () => {
    if (!opened) throw new Error('the store is opened in beforeEach');
    return opened;
  };
}

export const newBuild = (repo = 'https://github.com/company/redis', branch = 'master', commit?: string) => ({
  repo,
  branch,
  trigger: 'api' as const,
  options: {},
  ...(commit === undefined ? {} : { commit }),
});
