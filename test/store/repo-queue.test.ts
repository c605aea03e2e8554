import { CompiledQuery, Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { claimNext } from '../../src/store/queries/claim-next.js';
import { fairOrder } from '../../src/store/queries/fair-order.js';
import { openSqlBackend } from '../../src/store/open.js';
import type { NewBuildRow } from '../../src/store/schema.js';
import { backendCases, newBuild, useStore } from './backends.js';
import { seedBuilds } from '../helpers/seed-builds.js';

const A = 'https://git.example/a';
const B = 'https://git.example/b';
const lease = (owner: string) => ({ owner, seconds: 30 });

interface RepoRow {
  repo: string;
  running: number;
  next_seq: number | null;
}

/** `repo_queue` as kept by the triggers, leaving out repositories with nothing queued or running. */
async function kept(backend: SqlBackend): Promise<RepoRow[]> {
  const rows = await backend.db
    .selectFrom('repo_queue')
    .select(['repo', 'running', 'next_seq'])
    .where((eb) => eb.or([eb('running', '>', 0), eb('next_seq', 'is not', null)]))
    .orderBy('repo')
    .execute();
  return rows.map((r) => ({ repo: r.repo, running: Number(r.running), next_seq: r.next_seq === null ? null : Number(r.next_seq) }));
}

/** The same, worked out here from the builds: distinct running groups, oldest queued build on a branch where nothing runs. */
async function counted(backend: SqlBackend): Promise<RepoRow[]> {
  const live = await backend.db.selectFrom('builds').select(['seq', 'repo', 'branch', 'group_id', 'status']).where('status', 'in', ['queued', 'started']).execute();
  const repos = [...new Set(live.map((b) => b.repo))].sort();
  return repos
    .filter((repo) => live.some((b) => b.repo === repo && b.status === 'started') || live.some((b) => b.repo === repo && b.status === 'queued'))
    .map((repo) => {
      const started = live.filter((b) => b.repo === repo && b.status === 'started');
      const busy = new Set(started.map((b) => b.branch));
      const free = live.filter((b) => b.repo === repo && b.status === 'queued' && !busy.has(b.branch)).map((b) => Number(b.seq));
      return { repo, running: new Set(started.map((b) => b.group_id)).size, next_seq: free.length > 0 ? Math.min(...free) : null };
    })
    .filter((r) => r.running > 0 || r.next_seq !== null);
}

async function expectInStep(backend: SqlBackend): Promise<RepoRow[]> {
  const rows = await kept(backend);
  expect(rows).toEqual(await counted(backend));
  return rows;
}

const seqOf = async (backend: SqlBackend, id: string): Promise<number> =>
  Number((await backend.db.selectFrom('builds').select('seq').where('id', '=', id).executeTakeFirstOrThrow()).seq);

const queue = async (store: Store, repo: string, branch: string): Promise<string> => (await store.createBuild(newBuild(repo, branch))).build.id;

function queuedRow(i: number, repo: string, branch: string): NewBuildRow {
  const at = new Date(Date.UTC(2024, 0, 1) + i).toISOString();
  return {
    id: `q${i}`,
    group_id: `q${i}`,
    project: `${repo}__app`,
    repo,
    branch,
    status: 'queued',
    trigger: 'api',
    options: '{}',
    created_at: at,
    updated_at: at,
  };
}

/** 10,000 queued builds over 100 repositories, a branch each (as bench/claims.ts queues them), inserted directly. */
async function seedQueue(backend: SqlBackend): Promise<void> {
  await seedBuilds(backend, 10_000, (i) => {
    const { id: _id, group_id: _group, ...row } = queuedRow(i, `https://git.example/r${i % 100}`, `b${i}`);
    return row;
  });
}

describe.each(backendCases)('repo_queue: running groups and oldest queued build per repository ($name)', (c) => {
  const ctx = useStore(c);

  it('stays in step with the builds through queue, claim, siblings, finish, cancel, supersede, hand-back, reclaim and delete', async () => {
    const { backend, store } = ctx();
    const a1 = await queue(store, A, 'main');
    const a2 = await queue(store, A, 'dev');
    const b1 = await queue(store, B, 'main');
    expect(await expectInStep(backend)).toEqual([
      { repo: A, running: 0, next_seq: await seqOf(backend, a1) },
      { repo: B, running: 0, next_seq: await seqOf(backend, b1) },
    ]);

    // A claim moves the repository's head on and counts its group; siblings are the same group.
    expect((await store.claimNext(null, { lease: lease('agent:x') }))?.id).toBe(a1);
    await store.addSiblings(a1, ['worker', 'cron']);
    expect((await expectInStep(backend))[0]).toEqual({ repo: A, running: 1, next_seq: await seqOf(backend, a2) });
    expect((await store.claimNext(null, { lease: lease('agent:x') }))?.id).toBe(b1);
    expect((await store.claimNext(null, { lease: lease('agent:y') }))?.id).toBe(a2);
    expect(await expectInStep(backend)).toEqual([
      { repo: A, running: 2, next_seq: null },
      { repo: B, running: 1, next_seq: null },
    ]);

    // The group's first build finishing leaves its siblings running: still one group.
    await store.updateBuild(a1, { status: 'passed', finishedAt: new Date().toISOString() });
    expect((await expectInStep(backend))[0]?.running).toBe(2);
    for (const s of (await store.listGroup(a1)).filter((x) => x.status === 'started')) await store.updateBuild(s.id, { status: 'failed' });
    expect((await expectInStep(backend))[0]?.running).toBe(1);

    // A queued build canceled, and older queued builds superseded: the head moves to what is left.
    const a3 = await queue(store, A, 'feature');
    const a4 = await queue(store, A, 'feature');
    const a5 = await queue(store, A, 'other');
    expect((await expectInStep(backend))[0]?.next_seq).toBe(await seqOf(backend, a3));
    await store.supersede(A, 'feature');
    expect((await store.getBuild(a3))?.status).toBe('canceled');
    expect((await expectInStep(backend))[0]?.next_seq).toBe(await seqOf(backend, a4));
    await store.updateBuild(a4, { status: 'canceled', error: 'canceled' });
    expect((await expectInStep(backend))[0]?.next_seq).toBe(await seqOf(backend, a5));

    // Handed back: queued again in its old place, so it is the head again.
    expect(await store.handBack(b1, {})).toBe(true);
    expect((await expectInStep(backend))[1]).toEqual({ repo: B, running: 0, next_seq: await seqOf(backend, b1) });

    // Taken back from a process that stopped: re-queued (the first time), then failed lost.
    expect((await store.reclaim({ owner: 'agent:y' })).requeued.map((b) => b.id)).toEqual([a2]);
    expect((await expectInStep(backend))[0]).toEqual({ repo: A, running: 0, next_seq: await seqOf(backend, a2) });
    expect((await store.claimNext(null, { lease: lease('agent:y') }))?.id).toBe(a2);
    expect((await store.claimNext(null, { lease: lease('agent:y') }))?.id).toBe(b1);
    // a2 runs its second attempt: failed lost; b1 its first (a hand-back is no attempt): re-queued.
    const taken = await store.reclaim({ owner: 'agent:y' });
    expect([taken.failed.map((b) => b.id), taken.requeued.map((b) => b.id)]).toEqual([[a2], [b1]]);
    expect(await expectInStep(backend)).toEqual([
      { repo: A, running: 0, next_seq: await seqOf(backend, a5) },
      { repo: B, running: 0, next_seq: await seqOf(backend, b1) },
    ]);

    // Rows written or removed by hand (psql, a seeding script) are counted too.
    // A build running on b1's branch holds b1 back: B has nothing to start next.
    await backend.db.insertInto('builds').values({ ...queuedRow(1, B, 'main'), status: 'started', started_at: new Date().toISOString() }).execute();
    expect((await expectInStep(backend))[1]).toEqual({ repo: B, running: 1, next_seq: null });
    await backend.db.deleteFrom('builds').where('id', '=', 'q1').execute();
    expect((await expectInStep(backend))[1]).toEqual({ repo: B, running: 0, next_seq: await seqOf(backend, b1) });
    await backend.db.deleteFrom('builds').where('id', 'in', [a5, b1]).execute();
    expect(await expectInStep(backend)).toEqual([]);

    // A server's crash recovery fails every started build at once.
    await queue(store, A, 'one');
    await queue(store, B, 'one');
    await store.claimNext(null);
    await store.claimNext(null);
    expect((await expectInStep(backend)).map((r) => r.running)).toEqual([1, 1]);
    expect(await store.failStarted('interrupted')).toBe(2);
    expect(await expectInStep(backend)).toEqual([]);
    // Retention deletes finished builds only: nothing to recount, nothing changes.
    await store.deleteFinishedBefore(new Date(Date.now() + 60_000));
    expect(await expectInStep(backend)).toEqual([]);
  });

  it('stays in step with many processes queuing, claiming, finishing and canceling at once', async () => {
    const { backend, store, url } = ctx();
    // Postgres: separate pools are separate processes. SQLite in memory has one connection.
    const others = c.name === 'postgres' ? await Promise.all([openSqlBackend(url, { dataDir: '/nonexistent' }), openSqlBackend(url, { dataDir: '/nonexistent' })]) : [];
    try {
      const backends = [backend, ...others];
      const worker = async (i: number): Promise<void> => {
        const b = backends[i % backends.length] as SqlBackend;
        for (let n = 0; n < 15; n++) {
          const repo = `https://git.example/r${(i + n) % 3}`;
          const id = await queue(store, repo, `b${n % 4}`);
          if (n % 5 === 0) await store.updateBuild(id, { status: 'canceled' }).catch(() => undefined);
          const claimed = await claimNext(b, null, { lease: lease(`agent:${i}`) });
          if (claimed && n % 2 === 0) await store.updateBuild(claimed.id, { status: 'passed' });
          if (claimed && n % 7 === 3) await store.handBack(claimed.id, {});
        }
      };
      await Promise.all(Array.from({ length: 9 }, (_, i) => worker(i)));
      const rows = await expectInStep(backend);
      expect(rows.length).toBeGreaterThan(0);
      await store.reclaim({ all: true });
      await expectInStep(backend);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it('is filled from the builds already there when the migration runs', async () => {
    const { backend, dispose } = await c.openUnmigrated();
    try {
      const m = new Migrator({ db: backend.db, provider: backend.migrations, migrationTableName: 'roger_migration', migrationLockTableName: 'roger_migration_lock' });
      expect((await m.migrateTo('0011_queue_order_index')).error).toBeUndefined();
      const rows = [queuedRow(0, A, 'main'), queuedRow(1, A, 'dev'), queuedRow(2, B, 'main'), queuedRow(3, B, 'dev'), queuedRow(4, B, 'main'), queuedRow(5, B, 'x')];
      await backend.db.insertInto('builds').values(rows).execute();
      await backend.db.updateTable('builds').set({ status: 'started' }).where('id', 'in', ['q0', 'q2', 'q3']).execute();
      await backend.db.updateTable('builds').set({ group_id: 'q2' }).where('id', '=', 'q3').execute();
      await backend.db.insertInto('builds').values({ ...queuedRow(6, 'https://git.example/done', 'main'), status: 'passed' }).execute();
      expect((await m.migrateToLatest()).error).toBeUndefined();
      expect(await expectInStep(backend)).toEqual([
        { repo: A, running: 1, next_seq: await seqOf(backend, 'q1') },
        // Two started builds of one group: one running unit; q4 waits for its branch, so q5 is next.
        { repo: B, running: 1, next_seq: await seqOf(backend, 'q5') },
      ]);
    } finally {
      await dispose();
    }
  });

  it('lets a claim read no queue when every repository runs something: 10,000 queued, one index entry', async () => {
    const { backend, store } = ctx();
    await seedQueue(backend);
    // The first 100 claims start one build of each repository (their oldest, by the fair order).
    for (let i = 0; i < 100; i++) expect((await store.claimNext(null))?.id).toBe(`seed${i}`);
    await expectInStep(backend);
    await sql`analyze`.execute(backend.db);
    // Every repository runs one: the oldest queued build of all (r0's second) is next, and stays next
    // for a claimer whose labels every repository accepts.
    const next = await fairOrder(backend.db).executeTakeFirst();
    expect(next?.id).toBe('seed100');
    const claimer = { agent: 'a1', labels: { pool: 'big' } };
    await backend.db.insertInto('repo_labels').values({ repo: 'https://git.example/r0', key: 'pool', value: 'small' }).execute();
    // r0 asks for a label this claimer lacks: r1's is next.
    const t = performance.now();
    expect((await claimNext(backend, null, { claimer }))?.id).toBe('seed101');
    console.log(`[${c.name}] claim with every repository running, 10,000 queued: ${(performance.now() - t).toFixed(2)} ms`);

    if (c.name === 'postgres') {
      // Rows the choice reads from the builds table, from the statistics of this transaction alone.
      const read = async (query: (db: typeof backend.db) => Promise<unknown>): Promise<number> =>
        backend.db.transaction().execute(async (trx) => {
          const count = async (): Promise<number> => {
            // Index entries returned by the builds table's indexes, plus rows its sequential scans read.
            const { rows } = await sql<{ n: string | null }>`
              select (select sum(pg_stat_get_xact_tuples_returned(indexrelid)) from pg_index where indrelid = 'builds'::regclass)
                   + pg_stat_get_xact_tuples_returned('builds'::regclass) as n`.execute(trx);
            return Number(rows[0]?.n ?? 0);
          };
          const before = await count();
          await query(trx);
          return (await count()) - before;
        });
      const fast = await read((db) => fairOrder(db).execute());
      // The measure itself: a filter on builds ranks every queued build, reading the whole queue.
      const walk = await read((db) => fairOrder(db, { builds: (eb) => eb('q.repo', '!=', '') }).execute());
      console.log(`[postgres] builds rows read to choose: ${fast} (ranking the queue: ${walk})`);
      expect(walk).toBeGreaterThan(9_000);
      // The chosen build alone, by key.
      expect(fast).toBeLessThan(10);
    } else {
      const chosen = fairOrder(backend.db).compile();
      const { rows } = await backend.db.executeQuery(CompiledQuery.raw(`explain query plan ${chosen.sql}`, [...chosen.parameters]));
      const plan = rows.map((r) => Object.values(r as Record<string, unknown>).join(' ')).join('\n');
      // The first entry of repo_queue's index in its order (no sort), then the build by key: no
      // index of builds walked, builds never scanned.
      expect(plan).toMatch(/(SCAN|SEARCH) r USING COVERING INDEX repo_queue_next/);
      expect(plan).toMatch(/SEARCH b USING INTEGER PRIMARY KEY/);
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN (b|q|s|builds)\b|builds_status/);
    }
  });
});
