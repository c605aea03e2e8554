import { afterAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { BASE, buildFrom, deleteFromRegistry, dockerEngine, memoryLog, testRef } from './helpers.js';

const engine = dockerEngine();
const localRefs: string[] = [];
const pushed: Array<{ ref: string; digest: string | undefined }> = [];

afterAll(async () => {
  for (const ref of localRefs) await engine.removeImage(ref);
  for (const { ref, digest } of pushed) await deleteFromRegistry(ref, digest);
});

describe('DockerEngine.push and pull', () => {
  it('pushes to the local registry, returns the digest and logs a handful of lines', async () => {
    const ref = testRef('push');
    localRefs.push(ref);
    // A layer of its own, so the push has something to upload besides the shared base layer.
    await buildFrom(engine, `FROM ${BASE}\nRUN head -c 3000000 /dev/urandom > /blob\n`, [ref]);
    const log = memoryLog();
    const { digest } = await engine.push(ref, undefined, log);
    pushed.push({ ref, digest });

    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(log.lines[0]).toMatch(/^The push refers to repository \[127\.0\.0\.1:5000\/roger-test-engine-push-/);
    expect(log.lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pushed$/));
    // The base layer is in the registry already (mounted from another repository or existing).
    expect(log.lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: (Layer already exists|Mounted from .*)$/));
    expect(log.lines).toContainEqual(expect.stringMatching(new RegExp(`^latest: digest: ${digest ?? 'none'} size: \\d+$`)));
    expect(log.lines.length).toBeLessThan(12);

    // Again: nothing to upload, the same digest.
    const again = memoryLog();
    expect(await engine.push(ref, undefined, again)).toEqual({ digest });
    expect(again.lines.filter((l) => l.endsWith(': Layer already exists'))).toHaveLength(2);

    // Pulling it back: removed locally first, so the engine must fetch it.
    await engine.removeImage(ref);
    expect(await engine.imageExists(ref)).toBe(false);
    const pullLog = memoryLog();
    await engine.pull(ref, undefined, pullLog);
    expect(await engine.imageExists(ref)).toBe(true);
    expect(pullLog.lines).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(pullLog.lines.length).toBeLessThan(15);
  });

  it('fails a push to a registry that does not answer, naming it', async () => {
    const ref = `127.0.0.1:5999/roger-test-engine-nowhere:latest`;
    const tagged = await buildFrom(engine, `FROM ${BASE}\n`, [ref]);
    localRefs.push(ref);
    expect(tagged.imageId).toBeTruthy();
    const err = await engine.push(ref, undefined, memoryLog()).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toMatch(/^Push of 127\.0\.0\.1:5999\/roger-test-engine-nowhere:latest to 127\.0\.0\.1:5999 failed: .*connection refused/);
  });

  it('fails a push of an image that does not exist locally', async () => {
    const err = await engine.push(testRef('absent'), undefined, memoryLog()).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toContain('An image does not exist locally');
  });

  it('fails a pull from a registry that does not answer, or of an unknown image, naming the registry', async () => {
    const unreachable = await engine
      .pull('127.0.0.1:5999/roger-test-engine-nowhere:latest', undefined, memoryLog())
      .catch((e: unknown) => e);
    expect(isRogerError(unreachable, 'build-failed')).toBe(true);
    expect((unreachable as Error).message).toMatch(/^Pull of .* from 127\.0\.0\.1:5999 failed: .*connection refused/);

    const unknown = await engine.pull(testRef('unknown'), undefined, memoryLog()).catch((e: unknown) => e);
    expect(isRogerError(unknown, 'build-failed')).toBe(true);
    expect((unknown as Error).message).toMatch(/from 127\.0\.0\.1:5000 failed: .*not found/);
  });

  it('passes credentials to the registry (which ignores them here)', async () => {
    const log = memoryLog();
    await engine.pull(BASE, { username: 'roger', password: 'secret', serveraddress: '127.0.0.1:5000' }, log);
    expect(log.lines).toContain(`Status: Image is up to date for ${BASE}`);
  });
});
