import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { createContextStream } from '../../src/engine/context.js';
import { BUILD_OUTPUT_LIMIT } from '../../src/engine/output.js';
import { BASE, buildFrom, docker, dockerEngine, memoryLog, removeDir, testRef, until, writeTree } from './helpers.js';

const engine = dockerEngine();
const created: string[] = [];

afterAll(async () => {
  for (const ref of created) await engine.removeImage(ref);
});

describe('DockerEngine.build', () => {
  it('builds, logs the steps line by line and returns the image id, tagging every tag', async () => {
    const [a, b] = [testRef('build', 'one'), testRef('build', 'two')];
    created.push(a, b);
    const { imageId, log } = await buildFrom(engine, `FROM ${BASE}\nRUN echo hi > /x && echo from-run\n`, [a, b]);

    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(log.lines).toContain(`Step 1/2 : FROM ${BASE}`);
    expect(log.lines).toContain('Step 2/2 : RUN echo hi > /x && echo from-run');
    expect(log.lines).toContain('from-run');
    expect(log.lines.every((l) => l.trim() !== '' && !l.endsWith('\n'))).toBe(true);
    expect(await engine.imageExists(a)).toBe(true);
    expect(await engine.imageExists(b)).toBe(true);
  });

  it('passes build args and target', async () => {
    const ref = testRef('build-args');
    created.push(ref);
    const dir = await writeTree({
      Dockerfile: `FROM ${BASE} AS first\nARG GREETING=none\nRUN echo "greeting=$GREETING"\nFROM first AS second\nRUN echo never\n`,
    });
    const log = memoryLog();
    try {
      await engine.build({
        context: await createContextStream(dir),
        dockerfile: 'Dockerfile',
        tags: [ref],
        buildargs: { GREETING: 'hello' },
        target: 'first',
        nocache: true,
        log,
      });
    } finally {
      await removeDir(dir);
    }
    expect(log.lines).toContain('greeting=hello');
    expect(log.text()).not.toContain('never');
  });

  it('caps a build’s whole log even when a RUN prints fake step headers to reset the step budget', async () => {
    const ref = testRef('output-cap');
    created.push(ref);
    // Six 4 MB chunks of 1 KB lines, each after a line that looks like a step header: each chunk is
    // under the step budget, but together they are over the build's.
    const chunk = `yes "$(head -c 1023 /dev/zero | tr '\\0' x)" | head -c ${4 * 1024 * 1024}`;
    const dockerfile = [
      `FROM ${BASE}`,
      `RUN for i in 1 2 3 4 5 6; do echo "Step 1/1 : fake $i"; ${chunk}; done; echo END-MARKER`,
      'RUN echo after-the-flood',
      '',
    ].join('\n');
    const { imageId, log } = await buildFrom(engine, dockerfile, [ref]);

    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const bytes = log.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(bytes).toBeLessThanOrEqual(BUILD_OUTPUT_LIMIT + 1024);
    expect(bytes).toBeGreaterThan(BUILD_OUTPUT_LIMIT - 2 * 1024 * 1024);
    expect(log.lines.filter((l) => l.startsWith('output truncated'))).toEqual([
      'output truncated: more than 20 MB for the whole build, the rest is not logged',
    ]);
    // The rest of the build is drained and dropped, later steps included, but the build completes.
    expect(log.lines).toContain('Step 1/1 : fake 4');
    expect(log.lines).not.toContain('END-MARKER');
    expect(log.text()).not.toContain('after-the-flood');
  });

  it('rejects a Dockerfile syntax error with Docker’s message', async () => {
    const err = await buildFrom(engine, `FROM ${BASE}\nFOO bar\n`, [testRef('syntax')]).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toBe('dockerfile parse error line 2: unknown instruction: FOO');
  });

  it('rejects a failing RUN with the exit code and leaves no container behind', async () => {
    const marker = `before-${Date.now()}`;
    const err = await buildFrom(engine, `FROM ${BASE}\nRUN echo ${marker} && exit 3\n`, [testRef('fail')]).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toBe(`The command '/bin/sh -c echo ${marker} && exit 3' returned a non-zero code: 3`);
    const left = (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(marker));
    expect(left).toEqual([]);
  });

  it('is canceled quickly by its abort signal, and the engine removes the step container', async () => {
    const marker = `started-${Date.now()}`;
    const dir = await writeTree({ Dockerfile: `FROM ${BASE}\nRUN echo ${marker} && sleep 1000\n` });
    const log = memoryLog();
    const controller = new AbortController();
    const stepContainers = async () =>
      (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(marker));
    try {
      const building = engine.build({
        context: await createContextStream(dir),
        dockerfile: 'Dockerfile',
        tags: [testRef('abort')],
        log,
        signal: controller.signal,
      });
      // Abort once the step runs, so the engine has a container to stop.
      await until(() => log.lines.includes(marker), 30_000);
      expect(await stepContainers()).toHaveLength(1);
      const abortedAt = Date.now();
      controller.abort();
      const err = await building.catch((e: unknown) => e);
      expect(isRogerError(err, 'canceled')).toBe(true);
      expect(Date.now() - abortedAt).toBeLessThan(2_000);
      // The engine kills and removes the step's container once it sees the connection close.
      expect(await until(async () => (await stepContainers()).length === 0, 15_000)).toBe(true);
    } finally {
      await removeDir(dir);
    }
  });

  it('reports a context that fails to read as such, not as an unreachable engine', async () => {
    let sent = false;
    const context = new Readable({
      read() {
        if (sent) {
          this.destroy(Object.assign(new Error("EACCES: permission denied, open 'secret'"), { code: 'EACCES' }));
        } else {
          sent = true;
          this.push(Buffer.alloc(512 * 4));
        }
      },
    });
    const err = await engine
      .build({ context, dockerfile: 'Dockerfile', tags: [testRef('broken-context')], log: memoryLog() })
      .catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toContain('reading the build context failed: EACCES: permission denied');
  });

  it('builds without a tag, resolving with the image id only, which can be tagged afterwards', async () => {
    const ref = testRef('untagged');
    const { imageId, log } = await buildFrom(engine, `FROM ${BASE}\nLABEL roger.test=${randomBytes(8).toString('hex')}\n`, []);
    try {
      expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(log.lines).toContain(`Step 1/2 : FROM ${BASE}`);
      expect((await docker.getImage(imageId).inspect()).RepoTags).toEqual([]);
      await engine.tag(imageId, ref);
      expect((await docker.getImage(ref).inspect()).Id).toBe(imageId);
    } finally {
      await engine.removeImage(ref);
      await engine.removeImage(imageId);
    }
    expect(await engine.imageExists(imageId)).toBe(false);
  });

});
