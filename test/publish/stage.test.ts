import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import type { PublishTarget } from '../../src/core/project.js';
import type { Publisher, PublisherKind, PublishRequest } from '../../src/core/publisher.js';
import { FakeEngine, type FakeEngineOptions } from '../../src/engine/fake.js';
import { publishArtifacts, type PublishRun } from '../../src/pipeline/publish.js';
import { builtinPublishers } from '../../src/publish/kinds.js';
import { memoryLog } from '../engine/helpers.js';
import { startS3, type S3Server } from './s3-server.js';

/** The publish stage with the fake engine: hostile archives and failures, fast. */

const IMAGE = 'sha256:built';
const BUCKET = 'stage-bucket';
let s3: S3Server;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup(opts: FakeEngineOptions, overrides: Partial<PublishRun> = {}) {
  const workDir = await mkdtemp(join(tmpdir(), 'roger-stage-'));
  dirs.push(workDir);
  const engine = new FakeEngine({ images: [IMAGE], ...opts });
  const log = memoryLog();
  const run: PublishRun = {
    engine,
    kinds: builtinPublishers,
    settings: { s3: s3.settings },
    image: IMAGE,
    workDir,
    log,
    signal: new AbortController().signal,
    ...overrides,
  };
  return { engine, log, run, workDir };
}

const target = (t: Partial<PublishTarget>): PublishTarget => ({ to: 's3', copy: '/dist', bucket: BUCKET, ...t });
const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e);

describe('publish stage', () => {
  it('never uploads what symlinks to /etc, ../.. or chains leaving the copied files point at', async () => {
    const { run, log, workDir } = await setup({
      files: { '/dist': { 'index.html': 'ok', 'sub/a.txt': 'a' } },
      links: {
        '/dist': {
          etc: '/etc',
          passwd: '/etc/passwd',
          'sub/up': '../..',
          'sub/up-file': '../../../../../../etc/hostname',
          chain: 'sub/hop',
          'sub/hop': '../../..',
          'sub/ok-link': '../index.html',
        },
      },
    });
    await publishArtifacts([target({ bucketPath: 'links' })], run);
    const listed = await s3.list(BUCKET, 'links/');
    expect(listed.map((o) => o.key)).toEqual(['links/index.html', 'links/sub/a.txt', 'links/sub/ok-link']);
    expect((await s3.get(BUCKET, 'links/sub/ok-link')).body.toString()).toBe('ok');
    const text = log.text();
    for (const name of ['etc', 'passwd', 'sub/up', 'sub/up-file', 'chain', 'sub/hop']) {
      expect(text).toMatch(new RegExp(`Warning: not uploaded: /dist/${name} is a symlink (leading outside the copied files|that leads nowhere)`));
    }
    expect(await readdir(workDir)).toEqual([]);
  });

  it('runs the command in the container it copies from and reports a non-zero exit; temp dir removed', async () => {
    const { run, engine, log, workDir } = await setup({ files: { '/dist': { 'a.txt': 'a' } } });
    engine.onRun({ match: 'make', exitCode: 2, output: 'make: *** [all] Error 2' });
    const err = await failure(publishArtifacts([target({ command: 'make all' })], run));
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toBe('publish command "make all" exited with code 2');
    expect(engine.callsOf('runAndCopyOut')).toMatchObject([{ image: IMAGE, command: 'make all', path: '/dist' }]);
    expect(engine.callsOf('copyOut')).toEqual([]);
    expect(log.text()).toContain('make: *** [all] Error 2');
    expect(await readdir(workDir)).toEqual([]);
  });

  it('a copy path that is not in the image fails, naming it', async () => {
    const { run, workDir } = await setup({ files: {} });
    const err = await failure(publishArtifacts([target({ copy: '/nope' })], run));
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toBe(`Copy of /nope out of ${IMAGE} failed: /nope does not exist in the image`);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('an S3 endpoint that is down fails the stage and leaves no files behind', async () => {
    const { run, workDir } = await setup(
      { files: { '/dist': { 'a.txt': 'a' } } },
      { settings: { s3: { ...s3.settings, endpoint: 'http://127.0.0.1:1' } } },
    );
    const err = await failure(publishArtifacts([target({})], run));
    expect((err as Error).message).toMatch(/^upload of a\.txt to s3:\/\/stage-bucket\/a\.txt failed: .*ECONNREFUSED.*\(S3 endpoint http:\/\/127\.0\.0\.1:1\)$/);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('bad publishers.s3 settings fail before any container runs, naming the config.yml key', async () => {
    const { run, engine } = await setup({ files: { '/dist': { 'a.txt': 'a' } } }, { settings: { s3: { key: 'only-key' } } });
    const err = await failure(publishArtifacts([target({ command: 'true' })], run));
    expect(isRogerError(err, 'bad-input')).toBe(true);
    expect((err as Error).message).toBe('config.yml publishers.s3.secret: required when key or secret is set');
    expect(engine.calls).toEqual([]);
  });

  it('a `to` no publisher serves is a clear error', async () => {
    const { run } = await setup({}, { kinds: [] });
    const err = await failure(publishArtifacts([target({})], run));
    expect((err as Error).message).toBe('publish to "s3" is not supported (supported: none)');
  });

  it('publishes several entries in order, and an empty copy only warns', async () => {
    const { run, log } = await setup({ files: { '/dist': { 'a.css': 'x' }, '/docs': {} } });
    await publishArtifacts([target({ bucketPath: 'multi/one' }), target({ copy: '/docs', bucketPath: 'multi/two' })], run);
    expect((await s3.list(BUCKET, 'multi/')).map((o) => o.key)).toEqual(['multi/one/a.css']);
    expect(log.text()).toContain(`Warning: /docs holds no files; nothing is uploaded to s3://${BUCKET}/multi/two/`);
  });

  it('an abort stops the uploads, closes the publisher and removes the temp dir', async () => {
    const controller = new AbortController();
    let closed = false;
    let seen: PublishRequest | undefined;
    const hanging: PublisherKind = {
      name: 's3',
      create: (): Publisher => ({
        publish: (req) =>
          new Promise<void>((_, fail) => {
            seen = req;
            req.signal.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
            controller.abort(new Error('canceled by a person'));
          }),
        close: () => void (closed = true),
      }),
    };
    const { run, workDir } = await setup({ files: { '/dist': { 'a.txt': 'a' } } }, { kinds: [hanging], signal: controller.signal });
    await failure(publishArtifacts([target({})], run));
    expect(seen?.files.map((f) => f.name)).toEqual(['a.txt']);
    expect(closed).toBe(true);
    expect(await readdir(workDir)).toEqual([]);
  });
});
