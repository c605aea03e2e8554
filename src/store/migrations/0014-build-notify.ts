import type { Kysely, Migration } from 'kysely';

/**
 * `builds.notify`: the project's build.yml `notify:` list (JSON), recorded when the checkout plans the
 * build. A process that takes a lost build back never read that build.yml; with the list on the
 * record it tells the same notifiers a finished run would have. Null until a checkout read it.
 */
export const buildNotify: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('builds').addColumn('notify', 'text').execute();
  },
};
