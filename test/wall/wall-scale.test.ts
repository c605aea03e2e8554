import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { statsSeries } from '../../src/http/routes/stats-series.js';
import { wallQuery } from '../../src/store/queries/wall.js';
import { backendCases, useStore } from '../store/backends.js';
import { NO_DEFAULT_FROM, PROJECTS, defaultBranchOf, expectedWallIndex, projectOf, seed } from './seed.js';

const BUILDS = 100_000;
const RECENT = 2_000;
const STEP_MS = 40_000;
const WAIT_MS = 5_000;

/** The query plan's text, whatever the dialect. */
async function plan(c: 'sqlite' | 'postgres', run: (prefix: string) => Promise<{ rows: unknown[] }>): Promise<string> {
  const { rows } = await run(c === 'sqlite' ? 'explain query plan ' : 'explain ');
  return rows.map((r) => Object.values(r as Record<string, unknown>).join(' ')).join('\n');
}

describe.each(backendCases)('the wall and the stats among 100,000 builds ($name)', (c) => {
  const ctx = useStore(c);

  it('answers from the indexes, with each project\'s latest default-branch build', async () => {
    const { backend, store } = ctx();
    const now = Date.now();
    await seed(backend, BUILDS, { now, recent: RECENT, recentStepMs: STEP_MS, waitMs: WAIT_MS });
    await sql`analyze`.execute(backend.db);

    let t = performance.now();
    const tiles = await store.wall({ limit: 1000 });
    const wallMs = performance.now() - t;
    expect(tiles).toHaveLength(PROJECTS);
    expect(tiles.map((x) => x.name)).toEqual([...tiles.map((x) => x.name)].sort());
    for (const tile of tiles) {
      const p = Number(/__app(\d+)$/.exec(tile.name)?.[1]);
      expect(tile.name).toBe(projectOf(p));
      expect(tile.latestBuild.id).toBe(`seed${expectedWallIndex(p, BUILDS)}`);
      expect(tile.latestBuild.branch).toBe(p >= NO_DEFAULT_FROM ? 'only-feature' : defaultBranchOf(p));
      if (p < NO_DEFAULT_FROM && p % 7 !== 0) expect(tile.latestBuild.status).toBe(p % 3 === 0 ? 'failed' : 'passed');
    }
    expect((await store.wall({ limit: 10 })).map((x) => x.name)).toEqual(tiles.slice(0, 10).map((x) => x.name));

    const wallSql = wallQuery(1000).compile(backend.db).sql;
    const wallPlan = await plan(c.name, (prefix) => sql.raw(prefix + wallSql).execute(backend.db));
    if (c.name === 'sqlite') expect(wallPlan).not.toMatch(/SCAN (b|d|a|t|builds)\b(?! USING)/);
    else expect(wallPlan).not.toMatch(/Seq Scan on builds/);
    expect(wallPlan).toMatch(/builds_project_latest_seq/);

    t = performance.now();
    const times = await store.buildTimes(new Date(now - 25 * 3_600_000).toISOString());
    const stats = statsSeries(times, 24, new Date(now));
    const statsMs = performance.now() - t;
    // Only the recent builds are read, not the 100,000.
    expect(times.length).toBe(RECENT);
    expect(stats.buckets.reduce((n, b) => n + b.started, 0)).toBe(RECENT);
    expect(Math.max(...stats.buckets.map((b) => b.wait_ms_max ?? 0))).toBe(WAIT_MS);

    const timesPlan = await plan(c.name, (prefix) =>
      sql.raw(`${prefix}select id from builds where finished_at >= '2026-01-01' or finished_at is null`).execute(backend.db),
    );
    expect(timesPlan).toMatch(/builds_finished_at/);
    console.log(`${c.name}: wall of ${PROJECTS} projects among ${BUILDS} builds in ${wallMs.toFixed(1)} ms; stats of 24 h in ${statsMs.toFixed(1)} ms`);
  }, 120_000);
});

