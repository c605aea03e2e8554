import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTAINER_LABEL } from '../../src/engine/container.js';
import { testConfig, uniq } from '../helpers/config.js';
import { BASE, buildFixture } from '../helpers/pipeline.js';
import { until } from '../engine/helpers.js';

/** builds.afterBuildContainer: shared against the real engine. */
describe('after-build commands in one shared container', () => {
  const { config } = testConfig('builds:\n  afterBuildContainer: shared\n');
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const pushed: string[] = [];

  afterAll(async () => {
    for (const ref of pushed) await docker.getImage(ref).remove().catch(() => undefined);
  });

  function project(name: string, afterBuild: string[], dockerfile = `FROM ${BASE}\n`) {
    pushed.push(`127.0.0.1:5000/${name}:latest`);
    return {
      Dockerfile: dockerfile,
      'build.yml': `${name}:\n  after-build: ${JSON.stringify(afterBuild)}\n`,
    };
  }

  it('runs every command in one container, logging each; the build passes', async () => {
    const name = `shared${uniq()}`;
    const r = await buildFixture(
      config,
      project(name, ['echo one > /tmp/mark; echo out-a; echo out-b', 'cat /tmp/mark', 'echo err-a >&2; echo err-b >&2']),
    );
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    const lines = r.log.split('\n').map((l) => l.replace(/^\S+Z /, ''));
    // The second command saw the first one's file: one container.
    expect(lines).toContain('one');
    expect(lines.filter((l) => l.startsWith('Running after-build: '))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('after-build passed: '))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('out-'))).toEqual(['out-a', 'out-b']);
    expect(lines.filter((l) => l.startsWith('err-'))).toEqual(['err-a', 'err-b']);
  });

  it('a failing command stops the rest and fails the build; nothing is pushed', async () => {
    const name = `sharedfail${uniq()}`;
    const r = await buildFixture(config, project(name, ['echo first-ran', 'exit 4', 'echo never-ran']));
    expect(r.results[0]?.outcome).toBe('failed');
    expect(r.results[0]?.error).toContain('after-build "exit 4" exited with code 4');
    expect(r.log).toContain('first-ran');
    expect(r.log).not.toContain('never-ran');
    expect(r.log).not.toContain(`Pushing 127.0.0.1:5000/${name}`);
  });

  it('an image with an ENTRYPOINT gets a fresh container per command', async () => {
    const name = `sharedentry${uniq()}`;
    const r = await buildFixture(
      config,
      project(name, ['touch /tmp/mark', 'test ! -e /tmp/mark && echo fresh-container'], `FROM ${BASE}\nENTRYPOINT ["/bin/sh", "-c", "exec \\"$@\\"", "--"]\n`),
    );
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    expect(r.log).toContain('each command runs in a fresh container');
    expect(r.log).toContain('fresh-container');
  });

  it('canceling the build removes the shared container', async () => {
    const name = `sharedcancel${uniq()}`;
    const marker = `roger-cancel-${uniq()}`;
    const controller = new AbortController();
    const running = buildFixture(config, project(name, ['true', `sleep 300; echo ${marker}`]), { signal: controller.signal });
    const listRoger = async () => docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL] } });
    // The shared container is up once the long command runs; found by the command's shell process
    // (the marker after the sleep keeps the shell from exec'ing into it).
    let id: string | undefined;
    expect(
      await until(async () => {
        for (const c of await listRoger()) {
          const top = await docker.getContainer(c.Id).top().catch(() => undefined);
          if (JSON.stringify(top ?? {}).includes(marker)) id = c.Id;
        }
        return id !== undefined;
      }, 120_000),
    ).toBe(true);
    controller.abort();
    const r = await running;
    expect(r.results[0]?.outcome).toBe('canceled');
    expect(await until(async () => !(await listRoger()).some((c) => c.Id === id), 60_000)).toBe(true);
  });
});
