import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../src/engine/docker.js';
import { createGit } from '../../src/git/cli.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { testConfig, uniq } from '../helpers/config.js';
import { commitFiles, makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, buildFixture, buildRepo, inRegistry } from '../helpers/pipeline.js';

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();

describe('pipeline against the real engine and registry', () => {
  const { config } = testConfig();
  let server: GitServer;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-served-'));
    server = await startGitServer({ root });
  });
  afterAll(async () => server?.close());

  it('builds the example over smart HTTP, pushes it, and the pulled image runs', async () => {
    const name = `example-${uniq()}`;
    await makeBareRepo(root, name, {
      Dockerfile: `FROM ${BASE}\nRUN sleep 1 && echo built > /built.txt\nCMD ["cat", "/built.txt"]\n`,
      'build.yml': `${name}:\n  registry: 127.0.0.1:5000\n`,
    });
    const lines: string[] = [];
    const result = await runPipeline(
      { engine: createDockerEngine(config.docker.client), git: createGit(), config, pushLock: new KeyedLock() },
      {
        repo: `${server.url}/${name}.git`,
        options: {},
        workDir: join(config.paths.builds, 'ws-example'),
        log: createLineLog((l) => lines.push(l)),
        signal: new AbortController().signal,
      },
    );
    const log = lines.join('');
    expect(result.failure, log).toBeUndefined();
    expect(result.results).toHaveLength(1);
    expect(result.results[0]).toMatchObject({ outcome: 'passed', image: `127.0.0.1:5000/${name}:latest` });
    expect(result.results[0]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(log).toMatch(/^\S+Z Step 2\/3 : RUN sleep 1/m);
    expect(log).toMatch(/PASSED .* in \d+\.\ds/);
    expect(existsSync(join(config.paths.builds, 'ws-example'))).toBe(false);
    // Remove the local copy: the run below must come from the registry.
    docker('rmi', `127.0.0.1:5000/${name}:latest`);
    docker('pull', `127.0.0.1:5000/${name}:latest`);
    expect(docker('run', '--rm', `127.0.0.1:5000/${name}:latest`)).toBe('built');
  });

  it('builds two projects of a monorepo, each from its own directory', async () => {
    const a = `mono-a-${uniq()}`;
    const b = `mono-b-${uniq()}`;
    const r = await buildFixture(config, {
      'a/Dockerfile': `FROM ${BASE}\nRUN echo a > /which\n`,
      'b/Dockerfile': `FROM ${BASE}\nRUN echo b > /which\n`,
      'build.yml': `${a}:\n  dockerfilePath: a\n${b}:\n  dockerfilePath: b\n`,
    });
    expect(r.results.map((x) => x.outcome), r.log).toEqual(['passed', 'passed']);
    expect(r.log).toContain(`[${a}]`);
    expect(docker('run', '--rm', `127.0.0.1:5000/${a}:latest`, 'cat', '/which')).toBe('a');
    expect(docker('run', '--rm', `127.0.0.1:5000/${b}:latest`, 'cat', '/which')).toBe('b');
  });

  it('runs after-build hooks in order and pushes when they pass', async () => {
    const name = `hooks-ok-${uniq()}`;
    const r = await buildFixture(config, {
      Dockerfile: `FROM ${BASE}\nRUN echo hello > /greeting\n`,
      'build.yml': `${name}:\n  after-build:\n    - cat /greeting\n    - echo second-hook\n`,
    });
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    expect(r.log.indexOf('hello')).toBeLessThan(r.log.indexOf('second-hook'));
    expect(await inRegistry(name, 'latest')).toBe(true);
  });

  it('fails on a non-zero hook and pushes nothing', async () => {
    const name = `hooks-bad-${uniq()}`;
    const r = await buildFixture(config, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${name}:\n  after-build:\n    - echo about to fail; exit 7\n    - echo never-runs\n`,
    });
    expect(r.results[0]?.outcome).toBe('failed');
    expect(r.results[0]?.error).toContain('exited with code 7');
    expect(r.log).toContain('about to fail');
    expect(r.log).not.toMatch(/^\S+ never-runs/m);
    expect(await inRegistry(name, 'latest')).toBe(false);
  });

  it('builds with the builder pattern: the extracted files are the final context', async () => {
    const name = `builder-${uniq()}`;
    const r = await buildFixture(config, {
      'Dockerfile.build': `FROM ${BASE}\nRUN mkdir /out && echo compiled > /out/app.txt && printf 'FROM ${BASE}\\nCOPY app.txt /app.txt\\n' > /out/Dockerfile\n`,
      Dockerfile: 'this file is not used by the final build\n',
      'build.yml': `${name}:\n  build:\n    dockerfile: Dockerfile.build\n    extract: /out\n`,
    });
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    expect(docker('run', '--rm', `127.0.0.1:5000/${name}:latest`, 'cat', '/app.txt')).toBe('compiled');
  });

  it("writes Roger's rev.txt before building", async () => {
    const name = `revfile-${uniq()}`;
    const r = await buildFixture(
      config,
      {
        'web/Dockerfile': `FROM ${BASE}\nCOPY public/rev.txt /rev.txt\n`,
        'web/public/.keep': '',
        'build.yml': `${name}:\n  dockerfilePath: web\n  revfile: public\n`,
      },
      { commit: { message: 'Add the thing', author: 'Ada <ada@example.com>', date: '2024-01-02T03:04:05Z' } },
    );
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    const rev = docker('run', '--rm', `127.0.0.1:5000/${name}:latest`, 'cat', '/rev.txt');
    expect(rev).toBe(
      [
        'Version: master',
        `Date: ${r.commit?.date}`,
        'Author: Ada <ada@example.com>',
        `Sha: ${r.commit?.sha}`,
        '',
        'Commit message:',
        '',
        '  Add the thing',
      ].join('\n'),
    );
    expect(r.commit?.date).toContain('2024');
  });

  it('tags branches and tags per the contract', async () => {
    const name = `tags-${uniq()}`;
    const files = { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}: {}\n` };
    const { dir } = await makeBareRepo(root, name, files);
    await commitFiles(dir, { 'f.txt': 'feature' }, { branch: 'feature/x', tag: 'v1.2.3' });
    const feature = await buildRepo(config, dir, { ref: 'feature/x' });
    expect(feature.results[0]?.image, feature.log).toBe(`127.0.0.1:5000/${name}:feature-x`);
    expect(await inRegistry(name, 'feature-x')).toBe(true);
    const tagged = await buildRepo(config, dir, { ref: 'v1.2.3' });
    expect(tagged.results[0]?.image, tagged.log).toBe(`127.0.0.1:5000/${name}:v1.2.3`);
    const master = await buildRepo(config, dir, { ref: 'master' });
    expect(master.results[0]?.image, master.log).toBe(`127.0.0.1:5000/${name}:latest`);
    const main = await buildFixture(config, files, { commit: { branch: 'main' } });
    expect(main.results[0]?.image, main.log).toBe(`127.0.0.1:5000/${name}:latest`);
  });

  it('honours .dockerignore', async () => {
    const name = `ignore-${uniq()}`;
    const r = await buildFixture(config, {
      Dockerfile: `FROM ${BASE}\nCOPY . /ctx\n`,
      '.dockerignore': 'secret.txt\nlogs/**\n!logs/keep.log\n',
      'secret.txt': 'do not send',
      'logs/a.log': 'no',
      'logs/keep.log': 'yes',
      'kept.txt': 'yes',
      'build.yml': `${name}: {}\n`,
    });
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    const files = docker('run', '--rm', `127.0.0.1:5000/${name}:latest`, 'find', '/ctx', '-type', 'f').split('\n').sort();
    expect(files).toContain('/ctx/kept.txt');
    expect(files).toContain('/ctx/logs/keep.log');
    expect(files).not.toContain('/ctx/secret.txt');
    expect(files).not.toContain('/ctx/logs/a.log');
  });

  it('uses the repository name when there is no build.yml', async () => {
    const name = `nobuildyml-${uniq()}`;
    const r = await buildFixture(config, { Dockerfile: `FROM ${BASE}\n` }, { repoName: name });
    expect(r.results[0]?.image, r.log).toBe(`127.0.0.1:5000/${name}:latest`);
  });
});
