import { describe, expect, it } from 'vitest';
import { openSqlBackend } from '../../src/store/open.js';

const delivery = (id: string) => ({ id, event: 'push', repo: null, ref: null, result: 'received', build_id: null, received_at: new Date().toISOString(), identity: null });

describe('SQLite group commit (SqlBackend.write)', () => {
  it('writers arriving together share a transaction; one that fails is undone alone and the rest are kept', async () => {
    const backend = await openSqlBackend('sqlite::memory:', { dataDir: '/nonexistent' });
    try {
      let open = 0;
      let most = 0;
      const transactions = new Set<unknown>();
      const write = (id: string, fail: boolean) =>
        backend.write(async (trx) => {
          transactions.add(trx);
          most = Math.max(most, ++open);
          await trx.insertInto('deliveries').values(delivery(id)).execute();
          open--;
          if (fail) throw new Error(`writer ${id} failed`);
          return id;
        });
      const results = await Promise.allSettled([write('a', false), write('b', true), write('c', false)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'writer b failed' });
      const rows = await backend.db.selectFrom('deliveries').select('id').orderBy('seq').execute();
      expect(rows.map((r) => r.id)).toEqual(['a', 'c']);
      // One transaction, the writers taken one after another inside it, never interleaved.
      expect(transactions.size).toBe(1);
      expect(most).toBe(1);
      // A writer alone after the batch still commits.
      expect(await write('d', false)).toBe('d');
      expect(await backend.db.selectFrom('deliveries').select('id').where('id', '=', 'd').executeTakeFirst()).toEqual({ id: 'd' });
    } finally {
      await backend.close();
    }
  });

});
