import type { Kysely, Migration, MigrationProvider } from 'kysely';

/**
 * SQLite migrations. Each is frozen once released: change the schema by adding one, never by editing.
 * `seq` is the INTEGER PRIMARY KEY because only the rowid can be numbered automatically in SQLite;
 * `id` is unique, and is how every query finds a build.
 */
const init: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('builds')
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('branch', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('tag', 'text')
      .addColumn('commit_sha', 'text')
      .addColumn('author', 'text')
      .addColumn('digest', 'text')
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .execute();
    await db.schema.createIndex('builds_status_seq').on('builds').columns(['status', 'seq']).execute();
    await db.schema.createIndex('builds_project_seq').on('builds').columns(['project', 'seq']).execute();
    await db.schema.createIndex('builds_group_seq').on('builds').columns(['group_id', 'seq']).execute();
    await db.schema
      .createIndex('builds_dedupe')
      .on('builds')
      .columns(['repo', 'branch', 'commit_sha', 'status'])
      .execute();

    await db.schema
      .createTable('log_chunks')
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('pos', 'integer', (c) => c.notNull())
      .addColumn('end_pos', 'integer', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_chunks_pk', ['group_id', 'end_pos'])
      .execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('repo', 'text')
      .addColumn('ref', 'text')
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('build_id', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
  },
};

export const sqliteMigrations: MigrationProvider = {
  getMigrations: () => Promise.resolve({ '0001_init': init }),
};
