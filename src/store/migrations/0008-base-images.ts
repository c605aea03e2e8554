import type { Kysely, Migration } from 'kysely';

/**
 * The FROM images of each project's latest default-branch build, one row per image, so the projects
 * to rebuild when an image is pushed are one indexed lookup. The same for both dialects.
 */
export const baseImagesTable: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('base_images')
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('image', 'text', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('branch', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('base_images_pk', ['project', 'image'])
      .execute();
    await db.schema.createIndex('base_images_image').on('base_images').columns(['image', 'project']).execute();
  },
};
