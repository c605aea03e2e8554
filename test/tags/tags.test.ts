import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, buildRepo } from '../helpers/pipeline.js';

const REGISTRY = '127.0.0.1:5000';
const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', '-C', dir, ...args], { encoding: 'utf8' }).trim();
const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();

async function registryTags(name: string): Promise<string[]> {
  const res = await fetch(`http://${REGISTRY}/v2/${name}/tags/list`);
  if (res.status === 404) return [];
  return (((await res.json()) as { tags: string[] | null }).tags ?? []).sort();
}

async function manifestDigest(name: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${REGISTRY}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  return res.headers.get('docker-content-digest');
}

const today = (): string => new Date().toISOString().slice(0, 10).replace(/-/g, '');

describe('tags: templates and auto_tag, pushed to the real registry', () => {
  const { config } = testConfig();
  let server: GitServer;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-tags-'));
    server = await startGitServer({ root });
  });
  afterAll(async () => server?.close());

  it('pushes every template on a branch, deduplicated; {{tag}} is left out of a branch build', async () => {
    const name = `tmpl-${uniq()}`;
    const { dir, sha } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': [
        `${name}:`,
        `  registry: ${REGISTRY}`,
        '  tags:',
        '    - "{{branch}}-{{short_sha}}"',
        '    - "build-{{date}}"',
        '    - "{{sha}}"',
        '    - fixed',
        '    - fixed',
        '    - "{{tag}}"',
        '    - latest',
        '',
      ].join('\n'),
    });
    git(dir, 'branch', 'feature/x', 'master');
    const r = await buildRepo(config, `${server.url}/${name}.git`, { ref: 'feature/x' });
    expect(r.results.map((x) => x.outcome), r.log).toEqual(['passed']);
    expect(await registryTags(name)).toEqual(
      ['feature-x', `feature-x-${sha.slice(0, 7)}`, `build-${today()}`, sha, 'fixed', 'latest'].sort(),
    );
    // One image under every tag.
    const digests = new Set(await Promise.all(['feature-x', 'fixed', sha].map((t) => manifestDigest(name, t))));
    expect(digests.size).toBe(1);
    expect(r.log).toContain(`Pushed ${REGISTRY}/${name}:fixed`);
  });

  it('auto_tag: 1, 1.2, 1.2.3; latest only for the highest release; a pre-release pushes only itself; {{sha}} is the tagged commit', async () => {
    const name = `semver-${uniq()}`;
    const { dir, sha: first } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${name}:\n  registry: ${REGISTRY}\n  auto_tag: true\n  tags: ["{{tag}}-{{sha}}"]\n`,
    });
    const { sha: second } = await commitFiles(dir, { 'two.txt': '2' }, { message: 'two' });
    git(dir, 'tag', '1.2.3', first);
    // Annotated: {{sha}} must be the commit, not the tag object.
    git(dir, 'tag', '-a', '-m', 'release', 'v1.3.0', second);
    git(dir, 'tag', 'v2.0.0-rc.1', second);
    const url = `${server.url}/${name}.git`;

    const newest = await buildRepo(config, url, { ref: 'v1.3.0' });
    expect(newest.results.map((x) => x.outcome), newest.log).toEqual(['passed']);
    expect(await registryTags(name)).toEqual(['1', '1.3', '1.3.0', 'latest', 'v1.3.0', `v1.3.0-${second}`].sort());
    const latest = await manifestDigest(name, 'latest');

    const older = await buildRepo(config, url, { ref: '1.2.3' });
    expect(older.results.map((x) => x.outcome), older.log).toEqual(['passed']);
    const afterOlder = await registryTags(name);
    expect(afterOlder).toEqual(expect.arrayContaining(['1.2', '1.2.3', `1.2.3-${first}`]));
    expect(await manifestDigest(name, '1.2')).toBe(await manifestDigest(name, '1.2.3'));
    // 1.2.3 is not the highest release: latest and 1 stay where v1.3.0 put them.
    expect(await manifestDigest(name, 'latest')).toBe(latest);
    expect(await manifestDigest(name, '1')).toBe(latest);

    const rc = await buildRepo(config, url, { ref: 'v2.0.0-rc.1' });
    expect(rc.results.map((x) => x.outcome), rc.log).toEqual(['passed']);
    const afterRc = await registryTags(name);
    expect(afterRc.filter((t) => !afterOlder.includes(t)).sort()).toEqual(['2.0.0-rc.1', 'v2.0.0-rc.1', `v2.0.0-rc.1-${second}`].sort());
    expect(await manifestDigest(name, 'latest')).toBe(latest);
  });

  it('auto_tag does nothing on a branch or a tag that is not semver', async () => {
    const name = `nosemver-${uniq()}`;
    const { dir, sha } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${name}:\n  registry: ${REGISTRY}\n  auto_tag: true\n`,
    });
    git(dir, 'tag', 'release-1', sha);
    const url = `${server.url}/${name}.git`;
    expect((await buildRepo(config, url, { ref: 'master' })).results[0]?.outcome).toBe('passed');
    expect((await buildRepo(config, url, { ref: 'release-1' })).results[0]?.outcome).toBe('passed');
    expect(await registryTags(name)).toEqual(['latest', 'release-1']);
  });

  it('without tags: only Roger\'s tag is pushed', async () => {
    const name = `plain-${uniq()}`;
    const { dir } = await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}:\n  registry: ${REGISTRY}\n` });
    git(dir, 'branch', 'dev', 'master');
    const r = await buildRepo(config, `${server.url}/${name}.git`, { ref: 'dev' });
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    expect(await registryTags(name)).toEqual(['dev']);
  });

  it.each([
    ['{{nope}}', 'unknown placeholder {{nope}}'],
    ['a/b', 'has characters a tag cannot hold'],
    ['-x', 'starts with "-"'],
    ['x y', 'has characters a tag cannot hold'],
  ])('a template %s is refused when build.yml is read: nothing built or pushed', async (template, message) => {
    const name = `badtmpl-${uniq()}`;
    const { dir } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\nRUN echo should-not-run\n`,
      'build.yml': `${name}:\n  registry: ${REGISTRY}\n  tags: [${JSON.stringify(template)}]\n`,
    });
    const r = await buildRepo(config, dir);
    expect(r.failure?.badInput, r.log).toBe(true);
    expect(r.failure?.message).toContain(message);
    expect(r.log).not.toContain('should-not-run');
    expect(await registryTags(name)).toEqual([]);
  });

  it('a template that expands past 128 characters fails before the build, saying which template', async () => {
    const name = `longtmpl-${uniq()}`;
    const template = `${'x'.repeat(100)}-{{sha}}`;
    const { dir } = await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\nRUN echo should-not-run\n`,
      'build.yml': `${name}:\n  registry: ${REGISTRY}\n  tags: ["${template}"]\n`,
    });
    const r = await buildRepo(config, dir);
    expect(r.failure?.badInput, r.log).toBe(true);
    expect(r.failure?.message).toMatch(/tags: "x+-\{\{sha\}\}" expands to "x+-[0-9a-f]{40}", which is not a valid image tag/);
    expect(r.log).not.toContain('should-not-run');
    expect(await registryTags(name)).toEqual([]);
  });
});

describe('OCI labels on the pushed image', () => {
  const { config } = testConfig('builds:\n  ociLabels: true\n');
  let server: GitServer;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-labels-'));
    server = await startGitServer({ root });
  });
  afterAll(async () => server?.close());

  const labelsOf = (ref: string): Record<string, string> => {
    docker('rmi', ref);
    docker('pull', ref);
    return JSON.parse(docker('inspect', '--format', '{{json .Config.Labels}}', ref)) as Record<string, string>;
  };

  it('sets source (without credentials), revision, created, version and ref.name', async () => {
    const name = `labels-${uniq()}`;
    const { dir, sha } = await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}:\n  registry: ${REGISTRY}\n` });
    git(dir, 'branch', 'release/x', 'master');
    const before = Date.now();
    const url = `${server.url}/${name}.git`;
    const r = await buildRepo(config, url, { ref: 'release/x' });
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    const labels = labelsOf(`${REGISTRY}/${name}:release-x`);
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': url,
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': 'release-x',
      'org.opencontainers.image.ref.name': 'release/x',
    });
    const created = Date.parse(labels['org.opencontainers.image.created'] ?? '');
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
  });

  it('adds no label and no build step when builds.ociLabels is off (the default)', async () => {
    const name = `nolabels-${uniq()}`;
    await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}:\n  registry: ${REGISTRY}\n` });
    const r = await buildRepo(testConfig().config, `${server.url}/${name}.git`);
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    expect(r.log).not.toContain('LABEL');
    expect(Object.keys(labelsOf(`${REGISTRY}/${name}:latest`) ?? {}).filter((k) => k.startsWith('org.opencontainers'))).toEqual([]);
  });

  it("the Dockerfile's own LABELs win, in either form; the others are still set", async () => {
    const name = `ownlabels-${uniq()}`;
    const { sha } = await makeBareRepo(root, name, {
      Dockerfile: [
        `FROM ${BASE}`,
        'LABEL org.opencontainers.image.source="https://example.test/mine" other=1',
        'LABEL "org.opencontainers.image.version" 9.9.9',
        '',
      ].join('\n'),
      'build.yml': `${name}:\n  registry: ${REGISTRY}\n`,
    });
    const r = await buildRepo(config, `${server.url}/${name}.git`);
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    const labels = labelsOf(`${REGISTRY}/${name}:latest`);
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': 'https://example.test/mine',
      'org.opencontainers.image.version': '9.9.9',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.ref.name': 'master',
      other: '1',
    });
  });
});
