import type { Kysely, Migration } from 'kysely';

/**
 * Agents and what repositories ask of them, the same for both dialects:
 * - `agents`: one row per agent name, upserted by its heartbeat (labels as JSON, `healthy` 0 or 1);
 * - `repo_labels`: the labels the repository's last build.yml asked for, one row per label, so the
 *   claim can filter on them in plain SQL (a build's labels are known only after its checkout);
 * - `builds.agent`: the agent that claimed the build.
 */
export const agentsTables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('agents')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('capacity', 'integer')
      .addColumn('running', 'integer', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('healthy', 'integer', (c) => c.notNull())
      .addColumn('problem', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('last_heartbeat', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('repo_labels')
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('repo_labels_pk', ['repo', 'key'])
      .execute();
    await db.schema.alterTable('builds').addColumn('agent', 'text').execute();
  },
};
