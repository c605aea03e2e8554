import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { BASE, buildFixture } from '../helpers/pipeline.js';

const containersOf = (image: string): string =>
  execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${image}`], { encoding: 'utf8' }).trim();

describe('hostile repositories fail clearly and leave nothing behind', () => {
  const { config } = testConfig();

  it('refuses a dockerfilePath that climbs out of the checkout', async () => {
    const r = await buildFixture(config, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': 'app:\n  dockerfilePath: ../..\n' });
    expect(r.failure?.badInput, r.log).toBe(true);
    expect(r.failure?.message).toMatch(/build\.yml:2:\d+/);
  });

  it('refuses a dockerfilePath that is a symlink pointing out', async () => {
    const r = await buildFixture(config, { ctx: { symlink: '/etc' }, 'build.yml': 'app:\n  dockerfilePath: ctx\n' });
    expect(r.failure?.badInput, r.log).toBe(true);
    expect(r.failure?.message).toContain('leaves the repository');
  });

  it('refuses a revfile directory that is a symlink pointing out', async () => {
    const name = `revout-${uniq()}`;
    const r = await buildFixture(config, {
      Dockerfile: `FROM ${BASE}\n`,
      out: { symlink: '/tmp' },
      'build.yml': `${name}:\n  revfile: out\n`,
    });
    expect(r.results[0]?.outcome, r.log).toBe('failed');
    expect(r.results[0]?.error).toContain('leaves the repository');
  });

  it('refuses a build.dockerfile outside the checkout', async () => {
    const r = await buildFixture(config, { 'build.yml': 'app:\n  build:\n    dockerfile: /etc/passwd\n    extract: /src\n' });
    expect(r.failure?.badInput, r.log).toBe(true);
  });

  it('does not read a build.yml symlinked outside the checkout', async () => {
    const r = await buildFixture(config, { 'build.yml': { symlink: '/etc/passwd' } });
    expect(r.failure?.badInput, r.log).toBe(true);
    expect(r.log).not.toContain('root:x:0:0');
  });

  it('reports invalid YAML in build.yml with its line', async () => {
    const r = await buildFixture(config, { 'build.yml': 'app:\n  registry: [unclosed\n' });
    expect(r.failure?.message, r.log).toMatch(/build\.yml:\d+:\d+/);
  });

  it('refuses a 5 MB build.yml quickly, without reading it all', async () => {
    const started = Date.now();
    const r = await buildFixture(config, { 'build.yml': `app:\n  registry: ${'x'.repeat(5 * 1024 * 1024)}\n` });
    expect(r.failure?.badInput, r.log).toBe(true);
    expect(r.failure?.message).toMatch(/larger than|too large|MiB|MB/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a Dockerfile over 1 MB', async () => {
    const r = await buildFixture(config, { Dockerfile: `FROM ${BASE}\n${'# filler\n'.repeat(150_000)}`, 'build.yml': `bigdf-${uniq()}: {}\n` });
    expect(r.results[0]?.outcome, r.log).toBe('failed');
    expect(r.results[0]?.error).toContain('larger than 1 MB');
  });

  it("puts Docker's message for a Dockerfile syntax error in the log", async () => {
    const r = await buildFixture(config, { Dockerfile: `FROM ${BASE}\nBOGUS instruction\n`, 'build.yml': `syntax-${uniq()}: {}\n` });
    expect(r.results[0]?.outcome).toBe('failed');
    expect(r.results[0]?.error?.toLowerCase()).toContain('unknown instruction');
    expect(r.log.toLowerCase()).toContain('unknown instruction');
  });

  it("puts Docker's message for a failing RUN in the log", async () => {
    const r = await buildFixture(config, { Dockerfile: `FROM ${BASE}\nRUN echo failing-step && exit 3\n`, 'build.yml': `runfail-${uniq()}: {}\n` });
    expect(r.results[0]?.outcome).toBe('failed');
    expect(r.results[0]?.error).toContain('non-zero code: 3');
    expect(r.log).toContain('failing-step');
  });

  it('survives a hook that prints megabytes', async () => {
    const name = `loud-${uniq()}`;
    const r = await buildFixture(config, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${name}:\n  after-build:\n    - yes 0123456789abcdef | head -c 30000000\n`,
    });
    expect(r.results[0]?.outcome, r.log.slice(-2000)).toBe('passed');
    // 30 MB of output would be ~75 MB of timestamped log lines; the engine keeps 5 MB of it per command.
    expect(r.log.length).toBeLessThan(15_000_000);
    expect(r.log).toMatch(/truncated/i);
  });

  it('stops a hook that never exits when the build times out, and removes its container', async () => {
    // Long enough for the checkout and the image build on a loaded machine, so the hook is what times out.
    const { config: short } = testConfig('builds:\n  timeout: 10\n');
    const name = `forever-${uniq()}`;
    const started = Date.now();
    const r = await buildFixture(short, {
      // A step of its own makes the image unique: containers of the bare base image run in other tests.
      Dockerfile: `FROM ${BASE}\nENV ROGER_TEST=${name}\n`,
      'build.yml': `${name}:\n  after-build:\n    - sleep 100000\n`,
    });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.results[0]?.outcome, r.log).toBe('failed');
    expect(r.log).toContain('Running after-build: sleep 100000');
    expect(r.results[0]?.error).toContain('timed out');
    // Hooks run on the image by id (it is tagged only to be pushed): find it in Docker's own output.
    const imageId = /Successfully built ([0-9a-f]{12})/.exec(r.log)?.[1];
    expect(imageId, r.log).toBeDefined();
    // Removal is awaited by the engine adapter; a loaded daemon may still list the container briefly.
    const deadline = Date.now() + 10_000;
    while (containersOf(imageId ?? '') !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(containersOf(imageId ?? '')).toBe('');
  });

  it('fails clearly when the registry is not reachable', async () => {
    const name = `noreg-${uniq()}`;
    const r = await buildFixture(config, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}:\n  registry: 127.0.0.1:5999\n` });
    expect(r.results[0]?.outcome, r.log).toBe('failed');
    expect(r.results[0]?.error).toMatch(/push.*127\.0\.0\.1:5999/s);
  });
});
