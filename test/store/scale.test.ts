import { describe, expect, it } from 'vitest';
import type { NewBuildRow } from '../../src/store/schema.js';
import { backendCases, useStore } from './backends.js';

const BUILDS = 100_000;
const PROJECTS = 500;
// Small enough for SQLite's and Postgres' bound-parameter limits (18 columns a row).
const BATCH = 1_000;

/** Build i belongs to project i % PROJECTS, so the last PROJECTS builds are each project's latest. */
function row(i: number): NewBuildRow {
  const at = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  const repo = `https://github.com/company/repo${i % PROJECTS}`;
  return {
    id: `seed${i}`,
    group_id: `seed${i}`,
    project: `${repo}__repo${i % PROJECTS}`,
    repo,
    branch: 'master',
    status: 'passed',
    tag: null,
    commit_sha: null,
    author: null,
    digest: null,
    trigger: 'api',
    options: '{}',
    error: null,
    created_at: at,
    updated_at: at,
    started_at: at,
    finished_at: at,
    duration_ms: 1000,
  };
}

describe.each(backendCases)('many builds ($name)', (c) => {
  const ctx = useStore(c);

  it('lists the newest builds and projects among 100,000 builds', async () => {
    const { backend, store } = ctx();
    for (let start = 0; start < BUILDS; start += BATCH) {
      const rows = Array.from({ length: BATCH }, (_, k) => row(start + k));
      await backend.db.insertInto('builds').values(rows).execute();
    }
    const builds = await store.listBuilds({ limit: 50 });
    expect(builds.map((b) => b.id)).toEqual(Array.from({ length: 50 }, (_, k) => `seed${BUILDS - 1 - k}`));

    const projects = await store.listProjects({ limit: 50 });
    expect(projects.map((p) => p.latestBuild.id)).toEqual(Array.from({ length: 50 }, (_, k) => `seed${BUILDS - 1 - k}`));
    expect(projects[0]?.alias).toBe(`repo${(BUILDS - 1) % PROJECTS} (company/repo${(BUILDS - 1) % PROJECTS})`);
    expect((await store.countByStatus()).passed).toBe(BUILDS);
  });
});
