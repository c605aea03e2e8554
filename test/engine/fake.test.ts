import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isRogerError, systemError } from '../../src/core/errors.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { memoryLog, removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

function context(): Readable {
  return Readable.from([Buffer.from('tar bytes')]);
}

describe('FakeEngine', () => {
  it('records calls and keeps local images across build, run, push and remove', async () => {
    const engine = createFakeEngine({ images: ['base:1'] });
    const log = memoryLog();
    expect(await engine.imageExists('base:1')).toBe(true);
    const { imageId } = await engine.build({
      context: context(),
      dockerfile: 'Dockerfile',
      tags: ['r/app:1', 'r/app:latest'],
      buildargs: { A: '1' },
      log,
    });
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(log.lines).toEqual([`Successfully built ${imageId.slice(7, 19)}`]);
    expect(await engine.imageExists('r/app:latest')).toBe(true);
    expect((await engine.run({ image: 'r/app:1', command: 'make test', log })).exitCode).toBe(0);
    const { digest } = await engine.push('r/app:1', undefined, log);
    expect(digest).toMatch(/^sha256:/);
    await engine.removeImage('r/app:1');
    expect(await engine.imageExists('r/app:1')).toBe(false);

    expect(engine.calls.map((c) => c.method)).toEqual(['imageExists', 'build', 'imageExists', 'run', 'push', 'removeImage', 'imageExists']);
    expect(engine.callsOf('build')[0]).toMatchObject({ tags: ['r/app:1', 'r/app:latest'], buildargs: { A: '1' } });
    expect(engine.callsOf('run')).toEqual([{ method: 'run', image: 'r/app:1', command: 'make test' }]);
  });

  it('builds untagged and tags afterwards, needing the image as the engine does', async () => {
    const engine = createFakeEngine();
    const log = memoryLog();
    const { imageId } = await engine.build({ context: context(), dockerfile: 'Dockerfile', tags: [], log });
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect([...engine.images]).toEqual([imageId]);
    await engine.tag(imageId, 'r/app:1');
    expect(await engine.imageExists('r/app:1')).toBe(true);
    const err = await engine.tag('nope', 'r/app:2').catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect(engine.callsOf('tag')).toEqual([
      { method: 'tag', image: imageId, ref: 'r/app:1' },
      { method: 'tag', image: 'nope', ref: 'r/app:2' },
    ]);
    expect(engine.callsOf('build')[0]?.tags).toEqual([]);
  });

  it('scripts run results: first matching script, limited times, output into the log', async () => {
    const engine = createFakeEngine({ images: ['img'] })
      .onRun({ match: 'flaky', exitCode: 1, output: 'first try fails', times: 1 })
      .onRun({ match: /^npm test/, exitCode: 3, output: ['1 failing', 'done'] });
    const log = memoryLog();
    expect(await engine.run({ image: 'img', command: 'flaky thing', log })).toEqual({ exitCode: 1 });
    expect(await engine.run({ image: 'img', command: 'flaky thing', log })).toEqual({ exitCode: 0 });
    expect(await engine.run({ image: 'img', command: 'npm test', log })).toEqual({ exitCode: 3 });
    expect(log.lines).toEqual(['first try fails', '1 failing', 'done']);
  });

  it('fails methods on request, a number of times or until cleared', async () => {
    const engine = createFakeEngine()
      .fail('ping', systemError('engine gone'), 1)
      .fail('pull');
    await expect(engine.ping()).rejects.toThrow('engine gone');
    await expect(engine.ping()).resolves.toBeUndefined();
    const err = await engine.pull('x', undefined, memoryLog()).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    await expect(engine.pull('x', undefined, memoryLog())).rejects.toThrow();
    engine.clearFailures();
    await engine.pull('x', undefined, memoryLog());
    expect(engine.images.has('x')).toBe(true);
  });

  it('needs local images for run and push, as the engine does', async () => {
    const engine = createFakeEngine();
    const err = await engine.run({ image: 'nope', command: 'true', log: memoryLog() }).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    await expect(engine.push('nope', undefined, memoryLog())).rejects.toThrow('No such image: nope');
  });

  it('cancels a long run or build on abort', async () => {
    const engine = createFakeEngine({ images: ['img'], delayMs: 60_000 }).onRun({ delayMs: 'forever' });
    const controller = new AbortController();
    const running = engine.run({ image: 'img', command: 'sleep', log: memoryLog(), signal: controller.signal });
    const building = engine.build({ context: context(), dockerfile: 'Dockerfile', tags: ['t'], log: memoryLog(), signal: controller.signal });
    controller.abort();
    expect(isRogerError(await running.catch((e: unknown) => e), 'canceled')).toBe(true);
    expect(isRogerError(await building.catch((e: unknown) => e), 'canceled')).toBe(true);
  });

  it('copies scripted files out, and fails for unknown paths', async () => {
    const engine = createFakeEngine({ images: ['img'], files: { '/app/dist': { 'a.txt': 'A', 'sub/b.txt': 'B' } } });
    const dest = join(await tempDir(), 'out');
    dirs.push(dest);
    await engine.copyOut('img', '/app/dist', dest);
    expect(await readFile(join(dest, 'sub', 'b.txt'), 'utf8')).toBe('B');
    const err = await engine.copyOut('img', '/nope', dest).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
  });

  it('reports configured digests and reclaimed bytes', async () => {
    const engine = createFakeEngine({ images: ['r/a:1'], digests: { 'r/a:1': 'sha256:given' }, reclaimed: 42 });
    const log = memoryLog();
    expect(await engine.push('r/a:1', undefined, log)).toEqual({ digest: 'sha256:given' });
    expect(log.lines).toEqual(['1: digest: sha256:given size: 527']);
    expect(await engine.pruneDangling()).toBe(42);
  });
});
