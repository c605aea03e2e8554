import type { Reclaimed, ReclaimScope } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';
import { toBuildRecord } from '../rows.js';
import type { Transaction } from 'kysely';
import type { BuildRow, Database } from '../schema.js';

/** `lease_until` for a lease of `seconds` from now, in the store's timestamp form. */
export const leaseUntil = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();

/**
 * One UPDATE for all of a process's running builds, however many: the heartbeat stays one round trip.
 * Only the groups the process knows it runs: a claim whose answer never arrived (the connection
 * dropped after the commit) is not kept alive by renewal, so it expires and is taken back.
 */
export async function renewLeases(backend: SqlBackend, owner: string, seconds: number, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows = await backend.db
    .updateTable('builds')
    .set({ lease_until: leaseUntil(seconds) })
    .where('status', '=', 'started')
    .where('lease_owner', '=', owner)
    .where('group_id', 'in', groupIds)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Takes back started builds whose process is gone. A group (a request's builds) is re-queued as a
 * whole, as its next attempt, only when running it again cannot repeat or change what the first run
 * did: first attempt, nothing pushed, no build of the group finished, and the build args' values still
 * stored (they are dropped at claim). Otherwise its started builds fail `lost`. Sibling records of a
 * re-queued group are removed: the next run's plan adds them again.
 */
export async function reclaim(backend: SqlBackend, scope: ReclaimScope): Promise<Reclaimed> {
  return backend.db.transaction().execute(async (trx) => {
    await backend.lock(trx, 'reclaim');
    const at = now();
    const lost = await trx
      .selectFrom('builds')
      .selectAll()
      .where('status', '=', 'started')
      .$if('expired' in scope, (qb) => qb.where('lease_until', '<', at))
      .$if('owner' in scope, (qb) => qb.where('lease_owner', '=', 'owner' in scope ? scope.owner : ''))
      .orderBy('seq')
      // A build whose process is writing its final status right now is left to that process.
      .$if(backend.rowLocks, (qb) => qb.forUpdate().skipLocked())
      .execute();
    const result: Reclaimed = { requeued: [], failed: [] };
    const groups = new Map<string, BuildRow[]>();
    for (const row of lost) groups.set(row.group_id, [...(groups.get(row.group_id) ?? []), row]);
    await countExpiries(trx, groups);
    for (const [groupId, rows] of groups) {
      const all = await trx.selectFrom('builds').select(['id', 'status']).where('group_id', '=', groupId).execute();
      const first = rows.find((r) => r.id === groupId);
      const again =
        first !== undefined &&
        first.attempt < 2 &&
        rows.every((r) => r.pushed === 0) &&
        all.every((b) => b.status === 'started') &&
        !argsDropped(first.options);
      if (again) {
        const siblings = rows.filter((r) => r.id !== groupId).map((r) => r.id);
        if (siblings.length > 0) await trx.deleteFrom('builds').where('id', 'in', siblings).execute();
        const row = await trx
          .updateTable('builds')
          .set({ status: 'queued', attempt: first.attempt + 1, lease_owner: null, lease_until: null, started_at: null, error: null, updated_at: at })
          .where('id', '=', groupId)
          .returningAll()
          .executeTakeFirstOrThrow();
        result.requeued.push(toBuildRecord(row));
        continue;
      }
      for (const r of rows) {
        const error = `${lostMessage(r)}${argsDropped(r.options) && r.pushed === 0 && r.attempt < 2 ? ' (its build args were not kept, so it cannot run again)' : ''}`;
        const row = await trx
          .updateTable('builds')
          .set({ status: 'failed', error, lease_until: null, finished_at: at, updated_at: at })
          .where('id', '=', r.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        result.failed.push(toBuildRecord(row));
      }
    }
    return result;
  });
}

/**
 * Each run taken back counts once against the process that held it (`agents.lease_expiries`), in the
 * take-back's transaction, so concurrent take-backs never count a run twice. An owner is
 * `<role>:<name>` and agents are listed by name; a process that never heartbeat has no row to count on.
 */
async function countExpiries(trx: Transaction<Database>, groups: ReadonlyMap<string, readonly BuildRow[]>): Promise<void> {
  const byName = new Map<string, number>();
  for (const rows of groups.values()) {
    const owner = rows[0]?.lease_owner;
    if (!owner) continue;
    const name = owner.slice(owner.indexOf(':') + 1);
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  for (const [name, n] of byName) {
    await trx
      .updateTable('agents')
      .set((eb) => ({ lease_expiries: eb('lease_expiries', '+', n) }))
      .where('name', '=', name)
      .execute();
  }
}

/** `lost: agent build-1 stopped responding` from the owner `agent:build-1`. */
export function lostMessage(row: Pick<BuildRow, 'lease_owner'>): string {
  const owner = row.lease_owner ?? 'process:unknown';
  const at = owner.indexOf(':');
  return `lost: ${at === -1 ? owner : `${owner.slice(0, at)} ${owner.slice(at + 1)}`} stopped responding`;
}

function argsDropped(options: string): boolean {
  try {
    const parsed: unknown = JSON.parse(options);
    return typeof parsed === 'object' && parsed !== null && 'buildargNames' in parsed;
  } catch {
    return false;
  }
}
