import type { Kysely, Migration } from 'kysely';

/**
 * Every tag a build pushed (`tags:` and `auto_tag:` in build.yml), as a JSON array; null for builds
 * that pushed only Roger's own tag. The same for both dialects.
 */
export const buildTags: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('builds').addColumn('tags', 'text').execute();
  },
};
