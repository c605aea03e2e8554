import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq, writeConfig } from '../helpers/config.js';
import { makeRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';

const ROGER = join(import.meta.dirname, '..', '..', 'bin', 'roger');
const roger = (...args: string[]) => spawnSync(ROGER, args, { encoding: 'utf8', timeout: 120_000 });

describe('bin/roger build', () => {
  const { file } = testConfig();
  let repo: string;
  let failing: string;
  const name = `cli-${uniq()}`;

  beforeAll(async () => {
    repo = (await makeRepo(await mkdtemp(join(tmpdir(), 'roger-cli-')), { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}: {}\n` })).dir;
    failing = (await makeRepo(await mkdtemp(join(tmpdir(), 'roger-cli-')), { Dockerfile: `FROM ${BASE}\nRUN exit 1\n`, 'build.yml': `${name}-bad: {}\n` })).dir;
  });

  it('exits 0 with a result line naming tag, digest and duration', () => {
    const r = roger('build', repo, '--config', file);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`PASSED ${name} 127\\.0\\.0\\.1:5000/${name}:latest sha256:[0-9a-f]{64} in \\d+\\.\\ds`));
  });

  it('masks secrets from the config in the build log', async () => {
    const secret = 'ghp_cli0secret0value0123456789';
    const { file: withSecret } = testConfig(`auth:\n  github: ${secret}\n`);
    const leaky = (await makeRepo(await mkdtemp(join(tmpdir(), 'roger-cli-')), {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${name}-leak:\n  after-build:\n    - echo the token is ${secret}\n`,
    })).dir;
    const r = roger('build', leaky, '--config', withSecret);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('the token is *****');
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('exits 1 when the build fails', () => {
    const r = roger('build', failing, '--config', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAILED');
  });

  it('exits 2 on hostile or malformed input and runs nothing', () => {
    const marker = join(tmpdir(), `roger-pwned-${uniq()}`);
    for (const bad of [`--upload-pack=touch ${marker}`, `-oProxyCommand=touch ${marker}`, `ext::sh -c touch% ${marker}`]) {
      const r = roger('build', bad, '--config', file);
      expect(r.status, `${bad}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/roger build: /);
    }
    for (const branch of ['--foo', '../../x', 'a\nb']) {
      const r = roger('build', repo, '--branch', branch, '--config', file);
      expect(r.status, `${branch}: ${r.stderr}`).toBe(2);
    }
    expect(existsSync(marker)).toBe(false);
    expect(roger('build').status).toBe(2);
    expect(roger('build', repo, '--nope').status).toBe(2);
  });

  it('explains a missing Docker socket without crashing', () => {
    const { file: noDocker } = testConfig('docker:\n  client:\n    socketPath: /nonexistent/docker.sock\n');
    const r = roger('build', repo, '--config', noDocker);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Docker engine not reachable.*\/nonexistent\/docker\.sock/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown config key, naming its line', () => {
    const { file: bad } = writeConfig('builds:\n  concurent: 3\n');
    const r = roger('build', repo, '--config', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config\.yml:\d+:\d+/);
  });
});

describe('bin/roger validate', () => {
  it('exits 0 for a valid file and non-zero with file:line:col otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roger-validate-'));
    const good = join(dir, 'build.yml');
    writeFileSync(good, 'web:\n  dockerfilePath: web\napi: {}\n');
    expect(roger('validate', good).status).toBe(0);
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'web:\n  dockerfilePath: web\n  colour: blue\n');
    const r = roger('validate', bad);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.yml:3:3 /);
    rmSync(dir, { recursive: true });
    expect(roger('validate', join(dir, 'missing.yml')).status).not.toBe(0);
  });
});
