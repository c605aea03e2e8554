/**
 * Claims per second and queue -> start latency on Postgres (ROGER_TEST_PG), with the fake engine.
 * 1. 10,000 queued builds, 8 processes claiming them as agents do (the Store's claim with a lease):
 *    claims/s, and no build claimed twice.
 * 2. One idle `bin/roger agent` (fake engine): builds queued one at a time, each once the previous one
 *    has ended; the time from a build's creation to its claim (created_at -> started_at) is what
 *    LISTEN/NOTIFY makes short.
 * Needs `npm run build` first. Run: npx tsx bench/claims.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlBackend, openStore } from '../src/store/open.js';
import { createTestDatabase } from '../test/helpers/test-database.js';
import { fmt, percentile } from './lib.js';

const ADMIN = process.env.ROGER_TEST_PG;
if (!ADMIN) throw new Error('set ROGER_TEST_PG (eval "$(scripts/postgres.sh)")');
const ROOT = join(import.meta.dirname, '..');
const QUEUED = 10_000;
const PROCESSES = 8;

const CLAIMER = `
import { openStore } from '${join(ROOT, 'dist/store/open.js')}';
const store = await openStore(process.argv[1], { dataDir: '/nonexistent' });
const lease = { owner: 'agent:bench-' + process.pid, seconds: 30 };
const ids = [];
for (;;) { const b = await store.claimNext(null, { lease }); if (!b) break; ids.push(b.id); }
await store.close();
process.stdout.write(JSON.stringify(ids));
`;

function claimer(url: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CLAIMER, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`claimer exited ${code}`))));
  });
}

/** A database of its own for `run`, dropped afterwards the way tests drop theirs (an autovacuum worker refuses FORCE). */
async function withDatabase(run: (url: string) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(ADMIN ?? '', 'roger_bench');
  try {
    await run(db.url);
  } finally {
    await db.drop();
  }
}

await withDatabase(async (url) => {
  const backend = await openSqlBackend(url, { dataDir: '/nonexistent' });
  const at = new Date().toISOString();
  for (let i = 0; i < QUEUED; i += 500) {
    const rows = Array.from({ length: Math.min(500, QUEUED - i) }, (_, j) => {
      const id = `b${i + j}`;
      // 100 repositories, a branch a build: builds of one branch run one at a time, so a queue of one
      // branch would let one claim through.
      return { id, group_id: id, project: 'p', repo: `file:///r${(i + j) % 100}`, branch: `b${i + j}`, status: 'queued' as const, trigger: 'api' as const, options: '{}', created_at: at, updated_at: at, tag: null, commit_sha: null, author: null, digest: null, error: null, started_at: null, finished_at: null, duration_ms: null, tags: null, lease_owner: null, lease_until: null };
    });
    await backend.db.insertInto('builds').values(rows).execute();
  }
  await backend.close();
  const started = Date.now();
  const claimed = (await Promise.all(Array.from({ length: PROCESSES }, () => claimer(url)))).flat();
  const seconds = (Date.now() - started) / 1000;
  const unique = new Set(claimed).size;
  console.log(`claims: ${claimed.length} by ${PROCESSES} processes in ${seconds.toFixed(1)} s = ${(claimed.length / seconds).toFixed(0)} claims/s (target > 500/s); claimed twice: ${claimed.length - unique}`);
});

await withDatabase(async (url) => {
  const dir = mkdtempSync(join(tmpdir(), 'roger-bench-claims-'));
  const config = join(dir, 'config.yml');
  writeFileSync(config, `paths:\n  builds: ${join(dir, 'builds')}\ndatabase:\n  url: ${url}\nagent:\n  name: bench-idle\nbuilds:\n  concurrent: 4\n  allowedSchemes: [file]\ndocker:\n  fake:\n    delayMs: 0\n`);
  const store = await openStore(url, { dataDir: dir });
  const agent = spawn(join(ROOT, 'bin', 'roger'), ['agent', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => agent.stdout.on('data', (d: Buffer) => /running/.test(d.toString()) && resolve()));
  const waits: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      // A repository that does not exist: the build fails at once, so the agent is idle for the next.
      const { build } = await store.createBuild({ repo: `file://${dir}/missing-${i}`, branch: 'master', trigger: 'api', options: {} });
      for (;;) {
        const b = await store.getBuild(build.id);
        if (b?.startedAt) {
          waits.push(Date.parse(b.startedAt) - Date.parse(b.createdAt));
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      // The agent is idle again once the build has ended: on a loaded machine a failing build can
      // take longer than the pause, and builds.concurrent of them leave no slot for the next.
      while ((await store.getBuild(build.id))?.finishedAt == null) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    agent.kill('SIGTERM');
    await store.close();
  }
  console.log(`queue -> start with an idle agent (${waits.length} builds): p50 ${fmt(percentile(waits, 50))}, p99 ${fmt(percentile(waits, 99))}, max ${fmt(Math.max(...waits))} (target p99 < 50 ms)`);
});
