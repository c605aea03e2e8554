import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { containersOf, dockerEngine, memoryLog, uniqueImage, until } from './helpers.js';

const engine = dockerEngine();
let image: string;

beforeAll(async () => {
  image = await uniqueImage(engine, 'run');
});

afterAll(async () => {
  if (image) await engine.removeImage(image);
});

describe('DockerEngine.run', () => {
  it('returns exit code 0 and logs stdout and stderr line by line', async () => {
    const log = memoryLog();
    const { exitCode } = await engine.run({ image, command: 'echo one; echo two >&2; printf "no newline"', log });
    expect(exitCode).toBe(0);
    expect(log.lines).toEqual(expect.arrayContaining(['one', 'two', 'no newline']));
    expect(log.lines).toHaveLength(3);
    expect(await containersOf(image)).toEqual([]);
  });

  it('returns a non-zero exit code without rejecting', async () => {
    const log = memoryLog();
    const { exitCode } = await engine.run({ image, command: 'echo failing; exit 3', log });
    expect(exitCode).toBe(3);
    expect(log.lines).toEqual(['failing']);
    expect(await containersOf(image)).toEqual([]);
  });

  it('truncates a command printing 20 MB, and still runs it to its end', async () => {
    const log = memoryLog();
    // 20 MB of 1 KB lines, then a marker that must not reach the log, then the exit code.
    const command = 'yes "$(head -c 1023 /dev/zero | tr "\\0" x)" | head -n 20480; echo END-MARKER; exit 7';
    const { exitCode } = await engine.run({ image, command, log });
    expect(exitCode).toBe(7);
    const bytes = log.lines.reduce((n, l) => n + l.length + 1, 0);
    expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024 + 1024);
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(log.lines.filter((l) => l.startsWith('output truncated'))).toHaveLength(1);
    expect(log.lines).not.toContain('END-MARKER');
    expect(await containersOf(image)).toEqual([]);
  });

  it('is canceled fast by its abort signal and leaves no container', async () => {
    const log = memoryLog();
    const controller = new AbortController();
    const running = engine.run({ image, command: 'echo sleeping; sleep 1000', log, signal: controller.signal });
    expect(await until(() => log.lines.includes('sleeping'), 20_000)).toBe(true);
    expect(await containersOf(image)).toHaveLength(1);
    const abortedAt = Date.now();
    controller.abort();
    const err = await running.catch((e: unknown) => e);
    expect(isRogerError(err, 'canceled')).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(3_000);
    // Settled only once the container is gone.
    expect(await containersOf(image)).toEqual([]);
  });

  it('rejects straight away when already aborted', async () => {
    const err = await engine
      .run({ image, command: 'true', log: memoryLog(), signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isRogerError(err, 'canceled')).toBe(true);
  });

  it('rejects with build-failed for an image that does not exist', async () => {
    const err = await engine
      .run({ image: '127.0.0.1:5000/roger-test-engine-missing:nope', command: 'true', log: memoryLog() })
      .catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toContain('No such image: 127.0.0.1:5000/roger-test-engine-missing:nope');
  });
});
