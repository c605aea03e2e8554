import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Leases on running builds: the claiming process (`lease_owner`, e.g. `agent:build-1`) and until when
 * its claim holds (`lease_until`, ISO-8601 like every timestamp); `attempt` counts runs (a build taken
 * back from a process that stopped responding runs once more); `pushed` is set before a build's first
 * push, so a lost build that may have pushed is failed rather than run again.
 */
function addLeaseColumns(): Migration['up'] {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.alterTable('builds').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('builds').addColumn('lease_until', 'text').execute();
    await db.schema.alterTable('builds').addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('builds').addColumn('pushed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    // Renewal finds a process's builds, reclaim the expired ones; both among started builds only.
    await db.schema.createIndex('builds_status_lease').on('builds').columns(['status', 'lease_until']).execute();
    await db.schema.createIndex('builds_status_owner').on('builds').columns(['status', 'lease_owner']).execute();
  };
}

export const sqliteLeases: Migration = { up: addLeaseColumns() };

/**
 * Postgres also tells every listener when a build is queued (`roger_queue`, payload: the build id) or
 * canceled (`roger_cancel`, payload: the group id): a trigger, so every writer (server, agent, CLI,
 * psql) wakes the processes waiting on the queue without any of them polling.
 */
export const postgresLeases: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await addLeaseColumns()(db);
    await sql`
      create function roger_notify_build() returns trigger language plpgsql as $$
      begin
        if new.status = 'queued' and (tg_op = 'INSERT' or old.status is distinct from 'queued') then
          perform pg_notify('roger_queue', new.id);
        elsif new.status = 'canceled' and tg_op = 'UPDATE' and old.status is distinct from 'canceled' then
          perform pg_notify('roger_cancel', new.group_id);
        end if;
        return null;
      end
      $$`.execute(db);
    await sql`
      create trigger roger_notify_build after insert or update of status on builds
      for each row execute function roger_notify_build()`.execute(db);
  },
};
