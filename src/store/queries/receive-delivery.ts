import type { Transaction } from 'kysely';
import type { Delivery, DeliveryReceipt, NewBuild } from '../../core/store.js';
import type { SqlBackend } from '../backend.js';
import type { Database } from '../schema.js';
import { toDelivery } from '../rows.js';
import { createBuildIn } from './create-build.js';
import { insertDelivery } from './deliveries.js';
import { isTagBuild, supersedeIn } from './supersede.js';

/**
 * A delivery's records in one transaction: the delivery, the replay check, the build it queues and
 * the older queued builds of its branch that build supersedes. The lock on its identity makes two
 * deliveries asking for the same thing (GitHub's `create` and `push` of one new tag, a replay racing
 * the original) take turns, so the second always finds the first one's build. Deliveries arriving
 * together share a commit where the database gains by it (SQLite; see SqlBackend.write).
 */
export async function receiveDelivery(
  backend: SqlBackend,
  d: Delivery,
  opts: { build?: NewBuild; replaySince: string },
): Promise<DeliveryReceipt> {
  const { receipt, dropped } = await backend.write((trx) => receiveIn(backend, trx, d, opts));
  if (dropped) await backend.forget();
  return receipt;
}

async function receiveIn(
  backend: SqlBackend,
  trx: Transaction<Database>,
  d: Delivery,
  opts: { build?: NewBuild; replaySince: string },
): Promise<{ receipt: DeliveryReceipt; dropped: boolean }> {
  const only = (receipt: DeliveryReceipt) => ({ receipt, dropped: false });
  if (d.identity !== undefined) await backend.lock(trx, `delivery\n${d.identity}`);
  if (!(await insertDelivery(trx, d))) return only({ kind: 'seen' });
  const original = d.identity === undefined ? undefined : await earlier(trx, d.id, d.identity, opts.replaySince);
  if (original !== undefined) {
    await setResult(trx, d.id, `duplicate: same payload as delivery ${original.id}`, original.buildId);
    return only({ kind: 'replay', of: original });
  }
  if (opts.build === undefined) return only({ kind: 'recorded' });
  const { build, created } = await createBuildIn(backend, trx, opts.build);
  await setResult(trx, d.id, created ? 'built' : `duplicate: build ${build.id} is already queued for this commit`, build.id);
  if (!created || isTagBuild(build)) return only({ kind: 'queued', build, created });
  const { supersession, dropped } = await supersedeIn(backend, trx, build.repo, build.branch);
  return { receipt: { kind: 'queued', build, created, ...(supersession === undefined ? {} : { superseded: supersession }) }, dropped };
}

async function earlier(trx: Transaction<Database>, id: string, identity: string, since: string): Promise<Delivery | undefined> {
  const row = await trx
    .selectFrom('deliveries')
    .selectAll()
    .where('identity', '=', identity)
    .where('received_at', '>=', since)
    .where('id', '!=', id)
    .where('result', 'not like', 'failed:%')
    .orderBy('seq', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

async function setResult(trx: Transaction<Database>, id: string, result: string, buildId: string | null): Promise<void> {
  await trx.updateTable('deliveries').set({ result, build_id: buildId }).where('id', '=', id).execute();
}
