import type { Kysely, Migration } from 'kysely';

/**
 * A delivery's identity in its own payload (event, repository, ref and commits, or comment id), so a
 * signed body replayed under a new X-GitHub-Delivery id is recognised. The same for both dialects.
 */
export const deliveryIdentity: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('deliveries').addColumn('identity', 'text').execute();
    await db.schema.createIndex('deliveries_identity').on('deliveries').columns(['identity', 'received_at']).execute();
  },
};
