/**
 * Badge benchmark (issue 11, item 4): GET /api/projects/:name/badge.svg against 100,000 builds, on
 * SQLite and (when ROGER_TEST_PG is set) Postgres, through the real HTTP app. Half the builds belong to
 * one project's main branch, so a badge for its other branch must not walk them. Target: p99 < 5 ms.
 * Usage: npx tsx bench/badge.ts   (optionally with ROGER_TEST_PG from scripts/postgres.sh)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createMasker } from '../src/config/mask.js';
import { createFakeEngine } from '../src/engine/fake.js';
import { createApp } from '../src/http/app.js';
import { Metrics } from '../src/http/metrics.js';
import { LogHub } from '../src/logs/hub.js';
import { openSqlBackend } from '../src/store/open.js';
import { createSqlStore } from '../src/store/sql-store.js';
import { testConfig } from '../test/helpers/config.js';
import { percentile } from './lib.js';

const TOTAL = 100_000;
const PROJECTS = 200;
const BRANCHES = ['main', 'dev', 'release', 'feature-a', 'feature-b'];
const STATUSES = ['passed', 'passed', 'passed', 'failed', 'canceled', 'skipped'] as const;
const REQUESTS = 3000;
const HOT = 'https://git.example.test/team/hot.git__hot';

async function run(label: string, url: string): Promise<void> {
  const backend = await openSqlBackend(url, { dataDir: mkdtempSync(join(tmpdir(), 'roger-bench-badge-')) });
  const store = createSqlStore(backend);
  const now = new Date().toISOString();
  const row = (i: number) => {
    const hot = i < TOTAL / 2;
    const p = i % PROJECTS;
    const repo = hot ? 'https://git.example.test/team/hot.git' : `https://git.example.test/team/p${p}.git`;
    return {
      id: `b${i}`,
      group_id: `b${i}`,
      project: hot ? HOT : `${repo}__p${p}`,
      repo,
      branch: hot ? (i === 0 ? 'rare' : 'main') : (BRANCHES[i % BRANCHES.length] ?? 'main'),
      status: STATUSES[i % STATUSES.length] ?? 'passed',
      trigger: 'api' as const,
      options: '{}',
      created_at: now,
      updated_at: now,
    };
  };
  const t0 = performance.now();
  for (let start = 0; start < TOTAL; start += 1000) {
    const rows = Array.from({ length: 1000 }, (_, k) => row(start + k));
    await backend.db.insertInto('builds').values(rows).execute();
  }
  console.log(`${label}: ${TOTAL} builds inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const { config } = testConfig('');
  const scheduler = { wake: () => undefined, cancel: () => false, runningCount: 0 };
  const app = await createApp({ config, store, logs: new LogHub(store, { mask: createMasker([]) }), engine: createFakeEngine(), metrics: new Metrics(), scheduler });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const badge = (project: string, branch: string) => `${base}/api/projects/${encodeURIComponent(project)}/badge.svg?branch=${encodeURIComponent(branch)}`;
  const urls = [
    badge(HOT, 'rare'),
    badge(HOT, 'main'),
    badge(HOT, 'absent'),
    badge('https://git.example.test/team/none.git__none', 'main'),
    ...Array.from({ length: 50 }, (_, k) => badge(`https://git.example.test/team/p${k}.git__p${k}`, BRANCHES[k % BRANCHES.length] ?? 'main')),
  ];
  for (const u of urls) await (await fetch(u)).text();
  const times: number[] = [];
  const hotRare: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const u = urls[i % urls.length] ?? base;
    const s = performance.now();
    const res = await fetch(u);
    await res.text();
    const ms = performance.now() - s;
    times.push(ms);
    if (u === urls[0]) hotRare.push(ms);
  }
  const p99 = percentile(times, 99);
  console.log(
    `${label}: ${REQUESTS} badge requests, p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms; ` +
      `the 1-build branch of the 50,000-build project p99 ${percentile(hotRare, 99).toFixed(2)} ms — target p99 < 5 ms: ${p99 < 5 ? 'met' : 'MISSED'}`,
  );
  await app.close();
  await store.close();
}

await run('sqlite', `sqlite:${join(mkdtempSync(join(tmpdir(), 'roger-bench-badge-db-')), 'roger.db')}`);
const admin = process.env.ROGER_TEST_PG;
if (admin) {
  const name = `roger_bench_badge_${randomBytes(4).toString('hex')}`;
  const q = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await q(`create database ${name}`);
  try {
    const u = new URL(admin);
    u.pathname = `/${name}`;
    await run('postgres', u.toString());
  } finally {
    await q(`drop database if exists ${name} with (force)`);
  }
}
