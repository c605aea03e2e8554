import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';

interface Build {
  id: string;
  project: string;
  branch: string;
  status: string;
  tag: string | null;
  tags: string[];
  group_id: string;
  error: string | null;
}

const REGISTRY = '127.0.0.1:5000';

describe('a request without a branch, through the server', () => {
  let server: ServerProcess;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-default-branch-'));
    const { file } = testConfig(`builds:\n  allowedSchemes: [file]\n`);
    server = await startServer(file);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const request = async (dir: string): Promise<string> => {
    const res = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${dir}`)}`);
    expect(res.status).toBe(202);
    return res.body.id;
  };
  const group = async (id: string): Promise<Build[]> => {
    const first = (await getJson<{ build: Build }>(`${server.url}/api/builds/${id}`)).body.build;
    const all = (await getJson<{ builds: Build[] }>(`${server.url}/api/builds?limit=200`)).body.builds;
    return all.filter((b) => b.group_id === first.group_id);
  };
  const settled = (id: string, count: number) =>
    waitFor(async () => {
      const builds = await group(id);
      return builds.length === count && builds.every((b) => !['queued', 'started'].includes(b.status)) && builds;
    }, 120_000, 'the build group to finish');

  it('builds the default branch (main) and every record of a multi-project build.yml shows it, with its tags', async () => {
    const a = `dflt-a-${uniq()}`;
    const b = `dflt-b-${uniq()}`;
    const { dir, sha } = await makeBareRepo(
      root,
      `dflt-${uniq()}`,
      {
        'a/Dockerfile': `FROM ${BASE}\n`,
        'b/Dockerfile': `FROM ${BASE}\n`,
        'build.yml': `${a}:\n  dockerfilePath: a\n  registry: ${REGISTRY}\n  tags: ["{{branch}}-{{short_sha}}"]\n${b}:\n  dockerfilePath: b\n  registry: ${REGISTRY}\n`,
      },
      { branch: 'main' },
    );
    const builds = await settled(await request(dir), 2);
    expect(builds.map((x) => x.status)).toEqual(['passed', 'passed']);
    expect(builds.map((x) => x.branch)).toEqual(['main', 'main']);
    const byName = (n: string) => builds.find((x) => x.project.endsWith(`__${n}`))!;
    expect(byName(a).tags).toEqual([`${REGISTRY}/${a}:latest`, `${REGISTRY}/${a}:main-${sha.slice(0, 7)}`]);
    expect(byName(a).tag).toBe(`${REGISTRY}/${a}:latest`);
    expect(byName(b).tags).toEqual([`${REGISTRY}/${b}:latest`]);
  });

  it('a build that fails on build.yml still records the default branch it checked out', async () => {
    const { dir } = await makeBareRepo(root, `dflt-bad-${uniq()}`, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `x:\n  tags: ["{{nope}}"]\n` }, { branch: 'trunk' });
    // The branch really is the repository's HEAD.
    expect(execFileSync('git', ['-C', dir, 'symbolic-ref', 'HEAD'], { encoding: 'utf8' }).trim()).toBe('refs/heads/trunk');
    const [build] = await settled(await request(dir), 1);
    expect(build?.status).toBe('failed');
    expect(build?.error).toContain('unknown placeholder {{nope}}');
    expect(build?.branch).toBe('trunk');
  });
});
