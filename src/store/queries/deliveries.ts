import type { Kysely } from 'kysely';
import { notFound } from '../../core/errors.js';
import type { Delivery } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import type { Database } from '../schema.js';
import { toDelivery } from '../rows.js';
import { toLimit } from './read-builds.js';

/** GitHub redelivers on timeouts; the delivery id makes the second one a no-op. */
export async function recordDelivery(backend: SqlBackend, d: Delivery): Promise<boolean> {
  return insertDelivery(backend.db, d);
}

/** Inserts a delivery unless its id was seen before; false then. */
export async function insertDelivery(db: Kysely<Database>, d: Delivery): Promise<boolean> {
  const result = await db
    .insertInto('deliveries')
    .values({
      id: d.id,
      event: d.event,
      repo: d.repo,
      ref: d.ref,
      result: d.result,
      build_id: d.buildId,
      received_at: d.receivedAt,
      identity: d.identity ?? null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function updateDelivery(
  backend: SqlBackend,
  id: string,
  patch: Pick<Delivery, 'result' | 'buildId'>,
): Promise<void> {
  const result = await backend.db
    .updateTable('deliveries')
    .set({ result: patch.result, build_id: patch.buildId })
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound(`delivery ${id} not found`);
}

export async function listDeliveries(backend: SqlBackend, q: { limit: number }): Promise<Delivery[]> {
  const rows = await backend.db
    .selectFrom('deliveries')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(toLimit(q.limit))
    .execute();
  return rows.map(toDelivery);
}

/**
 * The earliest delivery with this identity received since `since` and recorded before `id` (by arrival
 * order, so of two replays arriving together exactly one, the first, builds).
 */
export async function findReplayed(backend: SqlBackend, id: string, identity: string, since: string): Promise<Delivery | undefined> {
  const row = await backend.db
    .selectFrom('deliveries')
    .selectAll()
    .where('identity', '=', identity)
    .where('received_at', '>=', since)
    .where('seq', '<', (eb) => eb.selectFrom('deliveries').select('seq').where('id', '=', id))
    .where('result', 'not like', 'failed:%')
    .orderBy('seq', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}
