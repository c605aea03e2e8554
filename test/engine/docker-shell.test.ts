import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { BASE, buildFrom, containersOf, dockerEngine, memoryLog, testRef, uniqueImage, until } from './helpers.js';

const engine = dockerEngine();
const images: string[] = [];
let image: string;

beforeAll(async () => {
  image = await uniqueImage(engine, 'shell');
  images.push(image);
});

afterAll(async () => {
  for (const ref of images) await engine.removeImage(ref).catch(() => undefined);
});

describe('DockerEngine.withShell', () => {
  it('runs commands one after another in one container, then removes it', async () => {
    const log = memoryLog();
    const seen: number[] = [];
    const result = await engine.withShell(image, undefined, async (exec) => {
      const codes: number[] = [];
      codes.push((await exec('echo shared > /tmp/mark; echo out-1; echo out-2; echo err-1 >&2; echo err-2 >&2', log)).exitCode);
      seen.push((await containersOf(image)).length);
      codes.push((await exec('cat /tmp/mark; exit 3', log)).exitCode);
      codes.push((await exec('printf "no newline"', log)).exitCode);
      return codes;
    });
    expect(result).toEqual({ value: [0, 3, 0] });
    // One container for all three commands: the second saw the first one's file.
    expect(seen).toEqual([1]);
    expect(log.lines).toContain('shared');
    expect(log.lines).toContain('no newline');
    // Each stream keeps its own order; how stdout and stderr interleave is not the engine's to promise.
    expect(log.lines.filter((l) => l.startsWith('out-'))).toEqual(['out-1', 'out-2']);
    expect(log.lines.filter((l) => l.startsWith('err-'))).toEqual(['err-1', 'err-2']);
    expect(await containersOf(image)).toEqual([]);
  });

  it('truncates a command printing more than the output limit, and runs it to its end', async () => {
    const log = memoryLog();
    const command = 'yes "$(head -c 1023 /dev/zero | tr "\\0" x)" | head -n 7000; echo END-MARKER; exit 5';
    const result = await engine.withShell(image, undefined, async (exec) => exec(command, log));
    expect(result?.value.exitCode).toBe(5);
    expect(log.lines.some((l) => l.startsWith('output truncated: more than 5 MB'))).toBe(true);
    expect(log.lines).not.toContain('END-MARKER');
    expect(log.lines.reduce((n, l) => n + l.length + 1, 0)).toBeLessThan(6 * 1024 * 1024);
  });

  it('declines an image with an ENTRYPOINT, and one without /bin/sh, without calling use', async () => {
    const withEntrypoint = testRef('shell-entrypoint');
    const noShell = testRef('shell-noshell');
    images.push(withEntrypoint, noShell);
    await buildFrom(engine, `FROM ${image}\nENTRYPOINT ["/bin/echo"]\n`, [withEntrypoint]);
    await buildFrom(engine, 'FROM scratch\nCOPY file /file\n', [noShell], { file: 'x\n' });
    let called = false;
    const use = async (): Promise<void> => void (called = true);
    expect(await engine.withShell(withEntrypoint, undefined, use)).toBeUndefined();
    expect(await engine.withShell(noShell, undefined, use)).toBeUndefined();
    expect(called).toBe(false);
    expect(await containersOf(withEntrypoint)).toEqual([]);
    expect(await containersOf(noShell)).toEqual([]);
  });

  it('aborting removes the container while a command runs and rejects with canceled', async () => {
    const log = memoryLog();
    const controller = new AbortController();
    const running = engine.withShell(image, controller.signal, async (exec) => exec('echo started; sleep 300', log));
    running.catch(() => undefined);
    expect(await until(() => log.lines.includes('started'), 60_000)).toBe(true);
    controller.abort();
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRogerError(err, 'canceled')).toBe(true);
    expect(await until(async () => (await containersOf(image)).length === 0, 60_000)).toBe(true);
  });

  it('rejects for an image that does not exist', async () => {
    const err = await engine.withShell(testRef('shell-missing'), undefined, async () => 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRogerError(err)).toBe(true);
  });
});

describe('DockerEngine digests', () => {
  it("the registry's digest of the base image is among the local image's digests", async () => {
    const remote = await engine.registryDigest(BASE, undefined);
    expect(remote).toMatch(/^sha256:[0-9a-f]{64}$/);
    const local = await engine.localDigests(BASE);
    expect(local?.some((d) => d.endsWith(`@${remote}`))).toBe(true);
  });

  it('an image never pushed has no digests; a missing one is undefined', async () => {
    expect(await engine.localDigests(image)).toEqual([]);
    expect(await engine.localDigests(testRef('digest-missing'))).toBeUndefined();
  });

  it('an unreachable registry rejects with its reason', async () => {
    const err = await engine.registryDigest('127.0.0.1:1/roger-nothing:latest', undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRogerError(err)).toBe(true);
    expect(err instanceof Error && err.message).toMatch(/127\.0\.0\.1:1/);
  });
});
