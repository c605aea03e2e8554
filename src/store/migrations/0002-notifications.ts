import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';

/** Every notification attempt (Slack, email, webhook, GitHub status) with its outcome. */
export function notificationsTable(seqColumn: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('notifications')
        .addColumn('seq', 'integer', seqColumn)
        .addColumn('build_id', 'text', (c) => c.notNull())
        .addColumn('notifier', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notifications_build_seq').on('notifications').columns(['build_id', 'seq']).execute();
    },
  };
}
