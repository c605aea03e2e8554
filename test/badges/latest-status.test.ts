import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { BuildStatus } from '../../src/core/build.js';
import { latestStatusQuery } from '../../src/store/queries/latest-status.js';
import { seedBuilds } from '../helpers/seed-builds.js';
import { backendCases, newBuild, useStore } from '../store/backends.js';

describe.each(backendCases)('store.latestStatus on $name', (c) => {
  const opened = useStore(c);

  async function add(project: string, branch: string, status: BuildStatus): Promise<string> {
    const { store } = opened();
    const { build } = await store.createBuild(newBuild('https://git.example.test/team/app', branch));
    await store.updateBuild(build.id, { project, status });
    return build.id;
  }

  it('is the status of the newest queued, started, passed or failed build of exactly that project and branch', async () => {
    const { store } = opened();
    await add('app__one', 'main', 'failed');
    await add('app__one', 'main', 'passed');
    await add('app__one', 'main', 'skipped');
    await add('app__one', 'main', 'canceled');
    await add('app__two', 'main', 'failed');
    await add('app__one', 'dev', 'started');
    expect(await store.latestStatus('app__one', 'main')).toBe('passed');
    expect(await store.latestStatus('app__one', 'dev')).toBe('started');
    expect(await store.latestStatus('app__one')).toBe('started');
    expect(await store.latestStatus('app__two', 'main')).toBe('failed');
    expect(await store.latestStatus('app__one', 'nope')).toBeUndefined();
    expect(await store.latestStatus('app__%', 'main')).toBeUndefined();
    expect(await store.latestStatus("app__one' OR '1'='1", 'main')).toBeUndefined();
  });

  it.runIf(c.name === 'postgres')('walks only the index for a project whose many builds are all older than the others', async () => {
    const { backend } = opened();
    const at = new Date().toISOString();
    // Half of all builds, the oldest ones: a backward scan of every build would pass the other half first.
    await seedBuilds(backend, 20_000, (i) => ({
      project: i < 10_000 ? 'app__old' : `app__p${i % 50}`,
      repo: 'https://git.example.test/team/app',
      branch: 'main',
      status: i % 4 === 0 ? 'skipped' : 'passed',
      created_at: at,
      updated_at: at,
    }));
    await sql`vacuum analyze builds`.execute(backend.db);
    const rows = await latestStatusQuery(backend.db, 'app__old', 'main').explain<{ 'QUERY PLAN': string }>();
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('Index Only Scan Backward using builds_project_branch_seq_status');
    expect(await latestStatusQuery(backend.db, 'app__old', 'main').executeTakeFirst()).toEqual({ status: 'passed' });
  });
});
