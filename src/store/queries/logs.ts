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
 * (group_id, end_pos) key, so following a long log stays cheap.
 */
export async function readLog(backend: SqlBackend, groupId: string, offset: number): Promise<string> {
  const from = Math.max(0, Math.floor(offset));
  const chunks = await backend.db
    .selectFrom('log_chunks')
    .select(['pos', 'text'])
    .where('group_id', '=', groupId)
    .where('end_pos', '>', from)
    .orderBy('end_pos')
    .execute();
  return chunks.map((c) => (c.pos < from ? c.text.slice(from - c.pos) : c.text)).join('');
}
