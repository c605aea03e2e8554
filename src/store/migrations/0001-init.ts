import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';

/**
 * The first schema, the same for both dialects but for how `seq` is numbered (each dialect's file
 * says how). Frozen once released, like every migration: later changes are new migrations.
 */
export function initialSchema(seqColumn: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('builds')
        .addColumn('seq', 'integer', seqColumn)
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
        .addColumn('seq', 'integer', seqColumn)
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
}
