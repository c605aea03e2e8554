import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { openSqlBackend } from '../../src/store/open.js';
import { claimNext } from '../../src/store/queries/claim-next.js';
import { withoutBuildArgValues } from '../../src/store/queries/drop-build-args.js';
import { backendCases, newBuild, useStore } from './backends.js';

const A = 'https://git.example/a';
const lease = (owner: string) => ({ owner, seconds: 30 });
const queue = async (store: Store, repo: string, branch: string): Promise<string> => (await store.createBuild(newBuild(repo, branch))).build.id;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A connection of its own, for a transaction that holds rows while the store under test works. */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Resolves once a session of this test's database waits for a lock (the call under test got there). */
async function someoneWaits(backend: SqlBackend): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(backend.db);
    if (Number(rows[0]?.n) > 0) return;
    await pause(5);
  }
  throw new Error('no session waited for a lock');
}

// Claims on Postgres may take no global lock (claim-next.ts): the races that leaves open.
describe.each(backendCases.filter((c) => c.name === 'postgres'))('claims by row locks ($name)', (c) => {
  const ctx = useStore(c);

  it('many processes claiming and finishing at once never claim a build twice nor run two builds of a branch', async () => {
    const { backend, store, url } = ctx();
    // Any moment with two started builds of one repository and branch fails the claim that made it.
    await sql`create unique index one_started_per_branch on builds (repo, branch) where status = 'started'`.execute(backend.db);
    const byBranch = new Map<string, string[]>();
    for (let n = 0; n < 5; n++) {
      for (let r = 0; r < 3; r++) {
        for (let b = 0; b < 4; b++) {
          const key = `${A}${r} b${b}`;
          byBranch.set(key, [...(byBranch.get(key) ?? []), await queue(store, `${A}${r}`, `b${b}`)]);
        }
      }
    }
    const total = 60;
    const others = await Promise.all(Array.from({ length: 3 }, () => openSqlBackend(url, { dataDir: '/nonexistent' })));
    try {
      const backends = [backend, ...others];
      const claimed: { id: string; key: string }[] = [];
      const deadline = Date.now() + 60_000;
      const worker = async (i: number): Promise<void> => {
        const b = backends[i % backends.length] as SqlBackend;
        // Half the workers claim as agents (the labels filter), half without one.
        const claimer = i % 2 === 0 ? { agent: `agent-${i}`, labels: {} } : undefined;
        while (claimed.length < total && Date.now() < deadline) {
          const build = await claimNext(b, null, { lease: lease(`agent:${i}`), claimer });
          if (!build) {
            await pause(2);
            continue;
          }
          claimed.push({ id: build.id, key: `${build.repo} ${build.branch}` });
          await pause(Math.random() * 3);
          await store.updateBuild(build.id, { status: 'passed', finishedAt: new Date().toISOString() });
        }
      };
      await Promise.all(Array.from({ length: 12 }, (_, i) => worker(i)));
      expect(claimed).toHaveLength(total);
      expect(new Set(claimed.map((x) => x.id)).size).toBe(total);
      // One at a time per branch, so each branch's builds started in the order they were queued.
      for (const [key, ids] of byBranch) expect(claimed.filter((x) => x.key === key).map((x) => x.id)).toEqual(ids);
      expect(await store.countByStatus()).toMatchObject({ queued: 0, started: 0, passed: total });
      const left = await backend.db.selectFrom('repo_queue').selectAll().where((eb) => eb.or([eb('running', '>', 0), eb('next_seq', 'is not', null)])).execute();
      expect(left).toEqual([]);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it('passes over a repository another transaction holds, and takes its build once that one commits', async () => {
    const { backend, store, url } = ctx();
    const id = await queue(store, A, 'main');
    const holder = await connect(url);
    try {
      await holder.query('begin');
      await holder.query('select 1 from repo_queue where repo = $1 for update', [A]);
      const claiming = claimNext(backend, null, { lease: lease('agent:x') });
      await pause(50);
      await holder.query('commit');
      expect((await claiming)?.id).toBe(id);
    } finally {
      await holder.end();
    }
  });

  it('does not deadlock with a writer that holds the repository and then writes the build chosen', async () => {
    const { backend, store, url } = ctx();
    const older = await queue(store, A, 'main');
    const writer = await connect(url);
    try {
      // A delivery's transaction: its new build locks the repository's row (trigger), then it
      // supersedes the older queued build of the branch.
      await writer.query('begin');
      const { rows } = await writer.query<{ id: string }>(
        `insert into builds (id, group_id, project, repo, branch, status, trigger, options, created_at, updated_at)
         values ('newer', 'newer', 'p', $1, 'main', 'queued', 'api', '{}', now()::text, now()::text) returning id`,
        [A],
      );
      const claiming = claimNext(backend, null, { lease: lease('agent:x') });
      await pause(30);
      await writer.query(`update builds set status = 'canceled' where id = $1 and status = 'queued'`, [older]);
      await writer.query('commit');
      expect((await claiming)?.id).toBe(rows[0]?.id);
      expect((await store.getBuild(older))?.status).toBe('canceled');
    } finally {
      await writer.end();
    }
  });

  it('a claim under the lock with a filter on builds does not start a branch a lock-free claim started meanwhile', async () => {
    const { backend, store, url } = ctx();
    const older = await queue(store, A, 'main');
    const younger = await queue(store, A, 'main');
    const lockFree = await connect(url);
    try {
      // A lock-free claim holds the repository's row and has started the branch's older build.
      await lockFree.query('begin');
      await lockFree.query('select 1 from repo_queue where repo = $1 for update', [A]);
      await lockFree.query(`update builds set status = 'started', started_at = now()::text where id = $1`, [older]);
      // The filter admits only the younger build, so the choice (its snapshot: main free) takes it.
      const filtered = claimNext(backend, null, { filter: (eb) => eb('q.id', '=', younger) });
      await someoneWaits(backend);
      await lockFree.query('commit');
      expect(await filtered).toBeUndefined();
      expect((await store.getBuild(younger))?.status).toBe('queued');
      expect((await store.getBuild(older))?.status).toBe('started');
    } finally {
      await lockFree.end();
    }
  });

  it('supersede reports as running an older build a claim started between its read and its cancel', async () => {
    const { backend, store, url } = ctx();
    const older = await queue(store, A, 'main');
    const newer = await queue(store, A, 'main');
    const claim = await connect(url);
    try {
      // The claim holds the older build when supersede reads it as queued, and starts it.
      await claim.query('begin');
      await claim.query('select 1 from builds where id = $1 for update', [older]);
      const superseding = store.supersede(A, 'main');
      await someoneWaits(backend);
      await claim.query(`update builds set status = 'started', started_at = now()::text where id = $1`, [older]);
      await claim.query('commit');
      const supersession = await superseding;
      expect(supersession?.newest.id).toBe(newer);
      expect(supersession?.canceled).toEqual([]);
      expect(supersession?.running.map((b) => b.id)).toEqual([older]);
    } finally {
      await claim.end();
    }
  });

  it('stores options without build-arg values the same way as withoutBuildArgValues', async () => {
    const { backend } = ctx();
    const inputs = [
      '{}',
      '{"nocache":true}',
      '{"nocache":true,"buildargs":{"NPM_TOKEN":"secret","MODE":"ci"},"target":"prod"}',
      '{"buildargs":{}}',
      '{"buildargs":null,"buildargNames":["OLD"]}',
      '{"buildargs":{"B":"1","A":"2","B":"3"}}',
      '{"buildargs":{"Z":"1"},"buildargs":{"Y":"2"}}',
      '{"note":"buildargs"}',
      '{"\\u0062uildargs":{"K":"v"}}',
      '["buildargs"]',
      'not json, buildargs',
    ];
    for (const options of inputs) {
      const { rows } = await sql<{ kept: string | null }>`select roger_without_buildarg_values(${options}) as kept`.execute(backend.db);
      const expected = withoutBuildArgValues(options);
      const kept = rows[0]?.kept ?? undefined;
      expect(kept === undefined ? undefined : JSON.parse(kept), options).toEqual(expected === undefined ? undefined : JSON.parse(expected));
    }
  });
});
