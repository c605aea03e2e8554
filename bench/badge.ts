/**
 * Badge benchmark (issue 11, item 4): GET /api/projects/:name/badge.svg against 100,000 builds, on
 * SQLite and (when ROGER_TEST_PG is set) Postgres. The badges are asked of a real `bin/roger serve`
 * (API-only: `builds.local: false`) from this process, one request at a time over a kept-alive
 * connection, as an image proxy asks: the server's answer time, not this process's own work, is what
 * is timed. Half the builds belong to one project's main branch, so a badge for its other branch must
 * not walk them. Target: p99 < 5 ms.
 * Usage: npx tsx bench/badge.ts   (compiles dist/ first; optionally with ROGER_TEST_PG from scripts/postgres.sh)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSqlBackend } from '../src/store/open.js';
import { seedBuilds } from '../test/helpers/seed-builds.js';
import { startServer } from '../test/helpers/server.js';
import { createTestDatabase } from '../test/helpers/test-database.js';
import { percentile } from './lib.js';

const TOTAL = 100_000;
const PROJECTS = 200;
const BRANCHES = ['main', 'dev', 'release', 'feature-a', 'feature-b'];
const STATUSES = ['passed', 'passed', 'passed', 'failed', 'canceled', 'skipped'] as const;
const WARMUP = 1000;
const REQUESTS = 3000;
const HOT = 'https://git.example.test/team/hot.git__hot';

const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
if (built.status !== 0) throw new Error('npm run build failed');

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

async function run(label: string, databaseUrl: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'roger-bench-badge-'));
  try {
    const backend = await openSqlBackend(databaseUrl, { dataDir: work });
    const now = new Date().toISOString();
    const t0 = performance.now();
    await seedBuilds(backend, TOTAL, (i) => {
      const hot = i < TOTAL / 2;
      const p = i % PROJECTS;
      const repo = hot ? 'https://git.example.test/team/hot.git' : `https://git.example.test/team/p${p}.git`;
      return {
        project: hot ? HOT : `${repo}__p${p}`,
        repo,
        branch: hot ? (i === 0 ? 'rare' : 'main') : (BRANCHES[i % BRANCHES.length] ?? 'main'),
        status: STATUSES[i % STATUSES.length] ?? 'passed',
        created_at: now,
        updated_at: now,
      };
    });
    // As a server's database stands once autovacuum has been through the rows, not while it is about to.
    if (label === 'postgres') await sql`vacuum analyze builds`.execute(backend.db);
    await backend.close();
    console.log(`${label}: ${TOTAL} builds inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const configFile = join(work, 'config.yml');
    writeFileSync(configFile, `paths:\n  builds: ${join(work, 'builds')}\ndatabase:\n  url: ${databaseUrl}\nbuilds:\n  local: false\n`);
    const server = await startServer(configFile);
    try {
      const badge = (project: string, branch: string) =>
        `${server.url}/api/projects/${encodeURIComponent(project)}/badge.svg?branch=${encodeURIComponent(branch)}`;
      const urls = [
        badge(HOT, 'rare'),
        badge(HOT, 'main'),
        badge(HOT, 'absent'),
        badge('https://git.example.test/team/none.git__none', 'main'),
        ...Array.from({ length: 50 }, (_, k) => badge(`https://git.example.test/team/p${k}.git__p${k}`, BRANCHES[k % BRANCHES.length] ?? 'main')),
      ];
      for (let i = 0; i < WARMUP; i++) await get(urls[i % urls.length] ?? server.url);
      const times: number[] = [];
      const hotRare: number[] = [];
      const codes = new Set<number>();
      for (let i = 0; i < REQUESTS; i++) {
        const u = urls[i % urls.length] ?? server.url;
        const s = performance.now();
        codes.add(await get(u));
        const ms = performance.now() - s;
        times.push(ms);
        if (u === urls[0]) hotRare.push(ms);
      }
      if (codes.size !== 1 || !codes.has(200)) throw new Error(`badge answered ${[...codes].join(', ')}, not only 200`);
      const p99 = percentile(times, 99);
      console.log(
        `${label}: ${REQUESTS} badge requests (after ${WARMUP} warm-up), p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
          `max ${Math.max(...times).toFixed(2)} ms; the 1-build branch of the 50,000-build project p99 ${percentile(hotRare, 99).toFixed(2)} ms ` +
          `— target p99 < 5 ms: ${p99 < 5 ? 'met' : 'MISSED'}`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  const sqliteDir = mkdtempSync(join(tmpdir(), 'roger-bench-badge-db-'));
  await run('sqlite', `sqlite:${join(sqliteDir, 'roger.db')}`);
  rmSync(sqliteDir, { recursive: true, force: true });
  const admin = process.env.ROGER_TEST_PG;
  if (admin) {
    const db = await createTestDatabase(admin, 'roger_bench_badge');
    try {
      await run('postgres', db.url);
    } finally {
      await db.drop();
    }
  }
} finally {
  agent.destroy();
}
