import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets, secretValues } from '../../src/config/mask.js';
import { isRogerError } from '../../src/core/errors.js';
import { nullLog } from '../../src/core/log.js';
import type { PublishTarget } from '../../src/core/project.js';
import { listFiles } from '../../src/publish/files.js';
import { contentTypeOf, objectKey, s3Publisher } from '../../src/publish/s3.js';
import { testConfig } from '../helpers/config.js';
import { startS3, type S3Server } from './s3-server.js';

const BUCKET = 'artifacts';
let s3: S3Server;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function filesDir(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roger-pub-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

async function publish(dir: string, target: Partial<PublishTarget>, settings = s3.settings): Promise<void> {
  const publisher = s3Publisher.create(settings);
  try {
    const { files } = await listFiles(dir);
    const full: PublishTarget = { to: 's3', copy: '/dist', bucket: BUCKET, ...target };
    await publisher.publish({ target: full, files, log: nullLog, signal: new AbortController().signal });
  } finally {
    publisher.close();
  }
}

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e);

describe('s3 publisher against a real S3 API (s3rver)', () => {
  it('uploads every file under bucketPath with its content and content type', async () => {
    const dir = await filesDir({
      'index.html': '<h1>hi</h1>',
      'css/site.css': 'body{}',
      'js/app.js': 'console.log(1)',
      'img/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      'data.json': '{}',
      LICENSE: 'MIT',
      'empty.txt': '',
    });
    await publish(dir, { bucketPath: '/site/v1/' });
    const listed = await s3.list(BUCKET, 'site/v1/');
    expect(listed.map((o) => o.key)).toEqual([
      'site/v1/LICENSE',
      'site/v1/css/site.css',
      'site/v1/data.json',
      'site/v1/empty.txt',
      'site/v1/img/logo.png',
      'site/v1/index.html',
      'site/v1/js/app.js',
    ]);
    const types: Record<string, string | undefined> = {};
    for (const o of listed) types[o.key.slice('site/v1/'.length)] = (await s3.get(BUCKET, o.key)).contentType;
    expect(types).toEqual({
      LICENSE: 'application/octet-stream',
      'css/site.css': 'text/css; charset=utf-8',
      'data.json': 'application/json; charset=utf-8',
      'empty.txt': 'text/plain; charset=utf-8',
      'img/logo.png': 'image/png',
      'index.html': 'text/html; charset=utf-8',
      'js/app.js': 'text/javascript; charset=utf-8',
    });
    expect((await s3.get(BUCKET, 'site/v1/index.html')).body.toString()).toBe('<h1>hi</h1>');
    expect((await s3.get(BUCKET, 'site/v1/img/logo.png')).body).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect((await s3.get(BUCKET, 'site/v1/empty.txt')).body.length).toBe(0);
  });

  it('uploads 2,000 small files and one 50 MB file (multipart), byte for byte', async () => {
    const files: Record<string, string | Buffer> = {};
    for (let i = 0; i < 2000; i++) files[`many/${String(i % 20).padStart(2, '0')}/f${i}.txt`] = `file ${i}\n`;
    const big = randomBytes(50 * 1024 * 1024);
    files['big/archive.bin'] = big;
    const dir = await filesDir(files);
    const started = Date.now();
    await publish(dir, { bucketPath: 'bulk' });
    const elapsed = Date.now() - started;
    const listed = await s3.list(BUCKET, 'bulk/');
    expect(listed).toHaveLength(2001);
    expect(listed.find((o) => o.key === 'bulk/big/archive.bin')?.size).toBe(big.length);
    const back = await s3.get(BUCKET, 'bulk/big/archive.bin');
    expect(back.body.equals(big)).toBe(true);
    expect(back.contentType).toBe('application/octet-stream');
    expect((await s3.get(BUCKET, 'bulk/many/07/f1207.txt')).body.toString()).toBe('file 1207\n');
    expect(elapsed).toBeLessThan(60_000);
  }, 120_000);

  it('a bucket that does not exist fails with S3 own words, naming the file and bucket', async () => {
    const dir = await filesDir({ 'a.txt': 'a' });
    const err = await failure(publish(dir, { bucket: 'no-such-bucket' }));
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toBe(
      'upload of a.txt to s3://no-such-bucket/a.txt failed: NoSuchBucket: The specified bucket does not exist',
    );
  });

  it('wrong credentials fail clearly and never show the secret', async () => {
    const dir = await filesDir({ 'a.txt': 'a' });
    const err = await failure(publish(dir, {}, { ...s3.settings, key: 'WRONG', secret: 'very-secret-value' }));
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toMatch(/^upload of a\.txt to s3:\/\/artifacts\/a\.txt failed: InvalidAccessKeyId: /);
    expect((err as Error).message).not.toContain('very-secret-value');
  });

  it('an endpoint that is down fails the upload, naming the endpoint', async () => {
    const port = await freePort();
    const dir = await filesDir({ 'a.txt': 'a', 'b.txt': 'b' });
    const started = Date.now();
    const err = await failure(publish(dir, {}, { ...s3.settings, endpoint: `http://127.0.0.1:${port}` }));
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(`^upload of [ab]\\.txt to s3://artifacts/[ab]\\.txt failed: .*ECONNREFUSED.* \\(S3 endpoint http://127\\.0\\.0\\.1:${port}\\)$`),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a build timeout stops uploads to an endpoint that accepts connections and never answers', async () => {
    const silent = await hangingServer();
    try {
      const dir = await filesDir({ 'a.txt': 'a' });
      const publisher = s3Publisher.create({ ...s3.settings, endpoint: `http://127.0.0.1:${silent.port}` });
      const { files } = await listFiles(dir);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('build timed out')), 500);
      const err = await failure(
        publisher.publish({ target: { to: 's3', copy: '/', bucket: BUCKET }, files, log: nullLog, signal: controller.signal }),
      );
      publisher.close();
      expect((err as Error).message).toMatch(/^upload of a\.txt to s3:\/\/artifacts\/a\.txt failed: /);
    } finally {
      silent.server.close();
    }
  });
});

describe('publishers.s3 settings', () => {
  const refusal = (settings: Record<string, unknown>): string => {
    try {
      s3Publisher.create(settings).close();
    } catch (err) {
      expect(isRogerError(err, 'bad-input')).toBe(true);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('names the config.yml key of each problem', () => {
    expect(refusal({ key: 'k' })).toBe('config.yml publishers.s3.secret: required when key or secret is set');
    expect(refusal({ endpoint: 'not a url' })).toBe('config.yml publishers.s3.endpoint: expected a URL such as http://127.0.0.1:9000');
    expect(refusal({ endpoint: 'localhost:9000' })).toBe('config.yml publishers.s3.endpoint: expected an http:// or https:// URL');
    expect(refusal({ endpoint: 'ftp://x' })).toBe('config.yml publishers.s3.endpoint: expected an http:// or https:// URL');
    expect(refusal({ forcePathStyle: 'yes' })).toBe('config.yml publishers.s3.forcePathStyle: expected true or false');
    expect(refusal({ key: true, secret: 's' })).toBe('config.yml publishers.s3.key: expected a non-empty string');
    expect(refusal({ bucket: 'b' })).toBe(
      'config.yml publishers.s3: unknown key(s) bucket (expected key, secret, region, endpoint, forcePathStyle)',
    );
  });

  it('key and secret are masked in /api/config and scrubbed from build logs', () => {
    const { config } = testConfig('publishers:\n  s3:\n    key: AKIAEXAMPLEKEY\n    secret: s3cr3t-value\n    region: eu-west-1\n');
    expect(maskSecrets(config)).toMatchObject({ publishers: { s3: { key: '*****', secret: '*****', region: 'eu-west-1' } } });
    expect(secretValues(config)).toEqual(expect.arrayContaining(['AKIAEXAMPLEKEY', 's3cr3t-value']));
  });

  it("accepts Roger's keys, numbers as credentials, string booleans and empty values", () => {
    expect(() => s3Publisher.create({ key: 1234, secret: 5678, region: 'eu-west-1' }).close()).not.toThrow();
    expect(() => s3Publisher.create({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: 'true', region: null }).close()).not.toThrow();
    expect(() => s3Publisher.create(undefined).close()).not.toThrow();
  });
});

describe('object keys and content types', () => {
  it('joins bucketPath and the file name without doubled or leading slashes', () => {
    expect(objectKey(undefined, 'a/b.txt')).toBe('a/b.txt');
    expect(objectKey('', 'a.txt')).toBe('a.txt');
    expect(objectKey('/', 'a.txt')).toBe('a.txt');
    expect(objectKey('/assets/v2//', 'a.txt')).toBe('assets/v2/a.txt');
  });

  it('takes the type from the extension only', () => {
    expect(contentTypeOf('dir.html/file')).toBe('application/octet-stream');
    expect(contentTypeOf('x/y.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('font.woff2')).toBe('font/woff2');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function hangingServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => undefined);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}
