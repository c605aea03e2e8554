import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { BASE, buildFrom, containersOf, dockerEngine, memoryLog, removeDir, tempDir, testRef, until } from '../engine/helpers.js';

/** Engine.runAndCopyOut against the real engine: the command's files come out of its own container. */

const engine = dockerEngine();
let image: string;
const dirs: string[] = [];

async function dest(): Promise<string> {
  const dir = await tempDir('roger-rco-');
  dirs.push(dir);
  return join(dir, 'out');
}

beforeAll(async () => {
  image = testRef('run-copy-out');
  await buildFrom(engine, `FROM ${BASE}\nRUN mkdir -p /app/dist && echo from-image > /app/dist/base.txt\n`, [image]);
}, 120_000);

afterAll(async () => {
  if (image) await engine.removeImage(image);
  for (const d of dirs) await removeDir(d);
});

describe('DockerEngine.runAndCopyOut', () => {
  it('copies the files the command wrote, with its output in the log, and removes the container', async () => {
    const out = await dest();
    const log = memoryLog();
    const { exitCode } = await engine.runAndCopyOut(
      { image, command: 'mkdir -p /app/dist/gen && echo made > /app/dist/gen/new.txt && echo step-done', log },
      '/app/dist',
      out,
    );
    expect(exitCode).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['base.txt', 'gen']);
    expect(await readFile(join(out, 'gen', 'new.txt'), 'utf8')).toBe('made\n');
    expect(log.lines).toContain('step-done');
    expect(await containersOf(image)).toEqual([]);
  });

  it('copies nothing when the command fails, and reports its exit code', async () => {
    const out = await dest();
    const log = memoryLog();
    const { exitCode } = await engine.runAndCopyOut({ image, command: 'echo broken >&2; exit 4', log }, '/app/dist', out);
    expect(exitCode).toBe(4);
    expect(await readdir(out)).toEqual([]);
    expect(log.lines).toContain('broken');
    expect(await containersOf(image)).toEqual([]);
  });

  it('a path missing after the command is a build failure naming it', async () => {
    const err = await engine.runAndCopyOut({ image, command: 'true', log: memoryLog() }, '/nowhere', await dest()).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toBe(`Copy of /nowhere out of ${image} failed: /nowhere does not exist in the image`);
    expect(await containersOf(image)).toEqual([]);
  });

  it('an abort stops a running command and removes its container', async () => {
    const controller = new AbortController();
    const log = memoryLog();
    const running = engine
      .runAndCopyOut({ image, command: 'echo started; sleep 60', log, signal: controller.signal }, '/app/dist', await dest())
      .catch((e: unknown) => e);
    expect(await until(() => log.lines.includes('started'), 20_000)).toBe(true);
    controller.abort();
    const err = await running;
    expect(isRogerError(err, 'canceled')).toBe(true);
    expect(await until(async () => (await containersOf(image)).length === 0, 10_000)).toBe(true);
  }, 60_000);
});
