import type { Kysely, Migration } from 'kysely';

/**
 * `agents.lease_expiries`: how many of the process's runs were taken back because their lease ran out
 * (or it restarted under its name), counted by the take-back itself, the same for both dialects. In
 * the database, not in a process's memory: whichever process takes a run back, the server's
 * /metrics shows it under the process that lost it.
 */
export const leaseExpiries: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('agents').addColumn('lease_expiries', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
