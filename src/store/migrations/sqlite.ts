import type { MigrationProvider } from 'kysely';
import { initialSchema } from './0001-init.js';
import { notificationsTable } from './0002-notifications.js';
import { deliveryIdentity } from './0003-delivery-identity.js';
import { badgeIndex } from './0004-badge-index.js';
import { buildTags } from './0005-build-tags.js';
import { wallIndexes } from './0007-wall-indexes.js';
import { baseImagesTable } from './0008-base-images.js';
import { sqliteLeases } from './0009-leases.js';
import { agentsTables } from './0010-agents.js';
import { queueOrderIndex } from './0011-queue-order-index.js';
import { sqliteRepoQueue } from './0012-repo-queue.js';
import { leaseExpiries } from './0013-lease-expiries.js';
import { buildNotify } from './0014-build-notify.js';

/**
 * SQLite migrations. Each is frozen once released: change the schema by adding one, never by editing.
 * `seq` is the INTEGER PRIMARY KEY because only the rowid can be numbered automatically in SQLite;
 * `id` is unique, and is how every query finds a build.
 */
export const sqliteMigrations: MigrationProvider = {
  getMigrations: () =>
    Promise.resolve({
      '0001_init': initialSchema((c) => c.primaryKey().autoIncrement()),
      '0002_notifications': notificationsTable((c) => c.primaryKey().autoIncrement()),
      '0003_delivery_identity': deliveryIdentity,
      '0004_badge_index': badgeIndex,
      '0005_build_tags': buildTags,
      '0007_wall_indexes': wallIndexes,
      '0008_base_images': baseImagesTable,
      '0009_leases': sqliteLeases,
      '0010_agents': agentsTables,
      '0011_queue_order_index': queueOrderIndex,
      '0012_repo_queue': sqliteRepoQueue,
      '0013_lease_expiries': leaseExpiries,
      '0014_build_notify': buildNotify,
    }),
};
