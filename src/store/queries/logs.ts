import type { SqlBackend } from '../backend.js';
import { now } from '../ids.js';

/**
 * Appends to a group's log. Offsets count UTF-16 code units (JavaScript string length). NUL characters
 * are dropped: Postgres text cannot hold them, and both dialects must agree on offsets.
 */
export async function appendLog(backend: SqlBackend, groupId: string, text: string): Promise<void> {
  const clean = text.replaceAll('\u0000', '');
  if (clean.length === 0) return;
  await backend.db.transaction().execute(async (trx) => {
    await backend.lock(trx, `log\n${groupId}`);
    const last = await trx
      .selectFrom('log_chunks')
      .select('end_pos')
      .where('group_id', '=', groupId)
      .orderBy('end_pos', 'desc')
      .limit(1)
      .executeTakeFirst();
    const pos = last?.end_pos ?? 0;
    await trx
      .insertInto('log_chunks')
      .values({ group_id: groupId, pos, end_pos: pos + clean.length, text: clean, created_at: now() })
      .execute();
  });
}

/**
 * The group's log after the first `offset` characters (what a follower has already read); '' when
 * there is nothing new. Only chunks ending past the offset are read, found through the
 * (group_id, end_pos) key, so following a long log stays cheap; `maxChars` bounds one read (chunks are
 * taken whole until it is reached, so a page may run a chunk past it).
 */
export async function readLog(backend: SqlBackend, groupId: string, offset: number, maxChars = Infinity): Promise<string> {
  const from = Math.max(0, Math.floor(offset));
  let query = backend.db
    .selectFrom('log_chunks')
    .select(['pos', 'end_pos', 'text'])
    .where('group_id', '=', groupId)
    .where('end_pos', '>', from);
  // Chunks end where the next begins, so a page is the chunks ending before from + maxChars, plus one.
  if (Number.isFinite(maxChars)) query = query.where('pos', '<', from + Math.max(1, Math.floor(maxChars)));
  const chunks = await query.orderBy('end_pos').execute();
  return chunks.map((c) => (c.pos < from ? c.text.slice(from - c.pos) : c.text)).join('');
}
