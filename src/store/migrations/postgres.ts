import type { MigrationProvider } from 'kysely';
import { initialSchema } from './0001-init.js';
import { notificationsTable } from './0002-notifications.js';
import { deliveryIdentity } from './0003-delivery-identity.js';
import { badgeIndex } from './0004-badge-index.js';
import { buildTags } from './0005-build-tags.js';
import { wallIndexes } from './0007-wall-indexes.js';
import { baseImagesTable } from './0008-base-images.js';
import { postgresLeases } from './0009-leases.js';
import { agentsTables } from './0010-agents.js';
import { queueOrderIndex } from './0011-queue-order-index.js';
import { postgresRepoQueue } from './0012-repo-queue.js';
import { leaseExpiries } from './0013-lease-expiries.js';
import { buildNotify } from './0014-build-notify.js';
import { postgresBuildargNames } from './0015-buildarg-names-sql.js';
import { postgresBadgeCoveringIndex } from './0016-badge-covering-index.js';

/**
 * Postgres migrations. Each is frozen once released: change the schema by adding one, never by editing.
 * The tables match SQLite's so one query set serves both: `seq` (an identity column) is the primary
 * key and `id` is unique. `integer`, not `bigint`, because pg returns int8 as a string.
 */
export const postgresMigrations: MigrationProvider = {
  getMigrations: () =>
    Promise.resolve({
      '0001_init': initialSchema((c) => c.primaryKey().generatedAlwaysAsIdentity()),
      '0002_notifications': notificationsTable((c) => c.primaryKey().generatedAlwaysAsIdentity()),
      '0003_delivery_identity': deliveryIdentity,
      '0004_badge_index': badgeIndex,
      '0005_build_tags': buildTags,
      '0007_wall_indexes': wallIndexes,
      '0008_base_images': baseImagesTable,
      '0009_leases': postgresLeases,
      '0010_agents': agentsTables,
      '0011_queue_order_index': queueOrderIndex,
      '0012_repo_queue': postgresRepoQueue,
      '0013_lease_expiries': leaseExpiries,
      '0014_build_notify': buildNotify,
      // Postgres only: the claim SQLite runs has no use for it (claim-next.ts).
      '0015_buildarg_names_sql': postgresBuildargNames,
      '0016_badge_covering_index': postgresBadgeCoveringIndex,
    }),
};
