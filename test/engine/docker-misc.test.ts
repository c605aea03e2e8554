import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/core/engine.js';
import { isRogerError } from '../../src/core/errors.js';
import { createDockerEngine } from '../../src/engine/docker.js';
import { BASE, REGISTRY, buildFrom, docker, dockerEngine, memoryLog, removeDir, tempDir, testRef } from './helpers.js';

const engine = dockerEngine();
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

/** Every method of the port, called against `engine`, each settling with its error (or undefined). */
function everyMethod(e: Engine, dest: string): Array<[string, () => Promise<unknown>]> {
  const log = memoryLog();
  return [
    ['ping', () => e.ping()],
    ['imageExists', () => e.imageExists(BASE)],
    ['pull', () => e.pull(BASE, undefined, log)],
    ['build', () => e.build({ context: Readable.from([Buffer.alloc(1024)]), dockerfile: 'Dockerfile', tags: ['x:1'], log })],
    ['tag', () => e.tag(BASE, 'roger-test-engine-unreachable:1')],
    ['run', () => e.run({ image: BASE, command: 'true', log })],
    ['copyOut', () => e.copyOut(BASE, '/etc', dest)],
    ['push', () => e.push(BASE, undefined, log)],
    ['removeImage', () => e.removeImage('nothing:here')],
    ['pruneDangling', () => e.pruneDangling()],
  ];
}

describe('DockerEngine without an engine', () => {
  it('rejects ping with a clear system error when the socket is missing', async () => {
    const missing = createDockerEngine({ socketPath: '/tmp/roger-no-such-docker.sock' });
    const err = await missing.ping().catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toBe(
      'Docker engine not reachable at /tmp/roger-no-such-docker.sock: connect ENOENT /tmp/roger-no-such-docker.sock',
    );
  });

  it('maps ENOENT and ECONNREFUSED the same way in every method', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const notASocket = join(dir, 'docker.sock');
    await writeFile(notASocket, '');
    for (const socketPath of ['/tmp/roger-no-such-docker.sock', notASocket]) {
      const e = createDockerEngine({ socketPath });
      for (const [name, call] of everyMethod(e, join(dir, 'out'))) {
        const err = await call().then(
          () => new Error(`${name} resolved`),
          (x: unknown) => x,
        );
        expect(isRogerError(err, 'system'), `${name}: ${String(err)}`).toBe(true);
        expect((err as Error).message, name).toMatch(
          new RegExp(`^Docker engine not reachable at ${socketPath}: connect (ENOENT|ECONNREFUSED) `),
        );
      }
    }
  });

  it('names a TCP endpoint in the message', async () => {
    const e = createDockerEngine({ host: '127.0.0.1', port: 5998, protocol: 'http' });
    const err = await e.ping().catch((x: unknown) => x);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toMatch(/^Docker engine not reachable at http:\/\/127\.0\.0\.1:5998: connect ECONNREFUSED/);
  });
});

describe('DockerEngine images', () => {
  it('pings the engine', async () => {
    await expect(engine.ping()).resolves.toBeUndefined();
  });

  it('tells whether an image exists, and removes references idempotently', async () => {
    const ref = testRef('exists');
    expect(await engine.imageExists(ref)).toBe(false);
    await buildFrom(engine, `FROM ${BASE}\nLABEL exists=yes\n`, [ref]);
    expect(await engine.imageExists(ref)).toBe(true);
    await engine.removeImage(ref);
    expect(await engine.imageExists(ref)).toBe(false);
    await expect(engine.removeImage(ref)).resolves.toBeUndefined();
    // The base image is untouched by removing a reference built on it.
    expect(await engine.imageExists(BASE)).toBe(true);
  });

  it('tags an image id or reference, moving a tag another image had', async () => {
    const ref = testRef('tag', 'v1');
    const first = await buildFrom(engine, `FROM ${BASE}\nLABEL tag=${randomBytes(8).toString('hex')}\n`, []);
    const second = await buildFrom(engine, `FROM ${BASE}\nLABEL tag=${randomBytes(8).toString('hex')}\n`, []);
    const plain = ref.slice(0, ref.lastIndexOf(':'));
    try {
      await engine.tag(first.imageId, ref);
      expect((await docker.getImage(ref).inspect()).Id).toBe(first.imageId);
      // A reference works as the source too; no tag means `latest`.
      await engine.tag(ref, plain);
      expect((await docker.getImage(`${plain}:latest`).inspect()).Id).toBe(first.imageId);
      await engine.tag(second.imageId, ref);
      expect((await docker.getImage(ref).inspect()).Id).toBe(second.imageId);
    } finally {
      for (const r of [ref, `${plain}:latest`, first.imageId, second.imageId]) await engine.removeImage(r);
    }
  });

  it('rejects tagging a missing image, or with a digest, as build-failed with Docker’s words', async () => {
    const missing = await engine.tag('roger-test-engine-no-such-image:1', testRef('tag-missing')).catch((e: unknown) => e);
    expect(isRogerError(missing, 'build-failed')).toBe(true);
    expect((missing as Error).message).toMatch(/^Tagging roger-test-engine-no-such-image:1 as .* failed: No such image: roger-test-engine-no-such-image:1$/);
    const invalid = await engine.tag(BASE, 'Not/A Valid:Ref').catch((e: unknown) => e);
    expect(isRogerError(invalid, 'build-failed')).toBe(true);
    const digest = await engine.tag(BASE, `${REGISTRY}/x@sha256:${'0'.repeat(64)}`).catch((e: unknown) => e);
    expect(isRogerError(digest, 'build-failed')).toBe(true);
    expect((digest as Error).message).toContain('a tag cannot name a digest');
  });

  // Opt-in (ROGER_TEST_PRUNE=1): pruning is engine-wide, and with the classic builder a build's
  // freshly committed step image is dangling until the next step uses it, so a prune racing with a
  // build (another test file, or anyone else sharing this engine) can delete it and fail that build.
  it.runIf(process.env.ROGER_TEST_PRUNE === '1')('prunes dangling images and reports the bytes reclaimed', async () => {
    const ref = testRef('prune');
    // Built twice under one tag: the first image loses its tag and dangles.
    const first = await buildFrom(engine, `FROM ${BASE}\nRUN head -c 100000 /dev/urandom > /a\n`, [ref]);
    await buildFrom(engine, `FROM ${BASE}\nRUN head -c 100000 /dev/urandom > /b\n`, [ref]);
    expect(await engine.imageExists(first.imageId)).toBe(true);
    const reclaimed = await engine.pruneDangling();
    // Tests sharing the engine may prune at the same time, so only the effect is certain.
    expect(reclaimed).toBeGreaterThanOrEqual(0);
    expect(await engine.imageExists(first.imageId)).toBe(false);
    expect(await engine.imageExists(ref)).toBe(true);
    await engine.removeImage(ref);
  });
});
