import { describe, expect, it } from 'vitest';
import { seedBuilds, type SeedBuild } from '../helpers/seed-builds.js';
import { backendCases, useStore } from './backends.js';

const BUILDS = 100_000;
const PROJECTS = 500;

/** Build i belongs to project i % PROJECTS, so the last PROJECTS builds are each project's latest. */
function build(i: number): SeedBuild {
  const at = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  const repo = `https://github.com/company/repo${i % PROJECTS}`;
  return {
    project: `${repo}__repo${i % PROJECTS}`,
    repo,
    branch: 'master',
    status: 'passed',
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
    await seedBuilds(backend, BUILDS, build);
    const builds = await store.listBuilds({ limit: 50 });
    expect(builds.map((b) => b.id)).toEqual(Array.from({ length: 50 }, (_, k) => `seed${BUILDS - 1 - k}`));

    const projects = await store.listProjects({ limit: 50 });
    expect(projects.map((p) => p.latestBuild.id)).toEqual(Array.from({ length: 50 }, (_, k) => `seed${BUILDS - 1 - k}`));
    expect(projects[0]?.alias).toBe(`repo${(BUILDS - 1) % PROJECTS} (company/repo${(BUILDS - 1) % PROJECTS})`);
    expect((await store.countByStatus()).passed).toBe(BUILDS);
  });
});
