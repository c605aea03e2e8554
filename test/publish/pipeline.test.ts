import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, buildRepo, inRegistry } from '../helpers/pipeline.js';
import { S3_SECRET, startS3, type S3Server } from './s3-server.js';

/** `publish:` through the whole pipeline: a repository served over smart HTTP, the real engine, registry and S3 API. */

const BUCKET = 'site-assets';
let s3: S3Server;
let git: GitServer;
let root: string;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  root = await mkdtemp(join(tmpdir(), 'roger-publish-repos-'));
  git = await startGitServer({ root });
});
afterAll(async () => {
  await git?.close();
  await s3?.close();
});

const config = () =>
  testConfig(
    [
      'builds:',
      '  allowedSchemes: [http]',
      'publishers:',
      '  s3:',
      `    key: S3RVER`,
      `    secret: ${S3_SECRET}`,
      `    endpoint: ${s3.endpoint}`,
      '    region: eu-west-1',
    ].join('\n'),
  ).config;

async function build(name: string, files: Record<string, string>) {
  await makeBareRepo(root, name, files);
  const cfg = config();
  const result = await buildRepo(cfg, `${git.url}/${name}.git`);
  return { ...result, cfg };
}

describe('publish: in build.yml', () => {
  it('runs the command, uploads what it and the Dockerfile made, then pushes', async () => {
    const name = `publish-ok-${uniq()}`;
    const r = await build(name, {
      Dockerfile: [
        `FROM ${BASE}`,
        'RUN mkdir -p /app/dist/css /app/dist/js && echo "<h1>hi</h1>" > /app/dist/index.html',
        'RUN echo "body{}" > /app/dist/css/site.css && echo "go()" > /app/dist/js/app.js',
        // Links out of the copied tree must never bring the host's or the image's files along.
        'RUN ln -s /etc /app/dist/etc && ln -s /etc/passwd /app/dist/passwd && ln -s ../../.. /app/dist/js/up && ln -s index.html /app/dist/home.html',
      ].join('\n'),
      'build.yml': [
        `${name}:`,
        '  after-build: [ "test -f /app/dist/index.html" ]',
        '  publish:',
        '    - to: s3',
        '      copy: /app/dist',
        `      bucket: ${BUCKET}`,
        `      bucketPath: ${name}/v1`,
        '      command: echo "built at publish" > /app/dist/generated.txt && echo command-ran',
      ].join('\n'),
    });
    expect(r.results[0]?.outcome, r.log).toBe('passed');
    const listed = await s3.list(BUCKET, `${name}/`);
    expect(listed.map((o) => o.key)).toEqual([
      `${name}/v1/css/site.css`,
      `${name}/v1/generated.txt`,
      `${name}/v1/home.html`,
      `${name}/v1/index.html`,
      `${name}/v1/js/app.js`,
    ]);
    const index = await s3.get(BUCKET, `${name}/v1/index.html`);
    expect(index.body.toString()).toBe('<h1>hi</h1>\n');
    expect(index.contentType).toBe('text/html; charset=utf-8');
    expect((await s3.get(BUCKET, `${name}/v1/home.html`)).body.toString()).toBe('<h1>hi</h1>\n');
    expect((await s3.get(BUCKET, `${name}/v1/generated.txt`)).body.toString()).toBe('built at publish\n');
    expect((await s3.get(BUCKET, `${name}/v1/css/site.css`)).contentType).toBe('text/css; charset=utf-8');
    expect(r.log).toContain('Running publish command: echo "built at publish"');
    expect(r.log).toMatch(/ command-ran\n/);
    expect(r.log).toContain(`Uploading 5 files (0.0 MB) from /app/dist to s3://${BUCKET}/${name}/v1/`);
    expect(r.log).toMatch(new RegExp(`Published 5 files to s3://${BUCKET}/${name}/v1/ in \\d+\\.\\ds`));
    expect(r.log.indexOf('Published 5 files')).toBeLessThan(r.log.indexOf(`Pushing 127.0.0.1:5000/${name}:latest`));
    expect(r.log).not.toContain('not supported yet');
    expect(r.log).not.toContain(S3_SECRET);
    expect(await inRegistry(name, 'latest')).toBe(true);
    expect(existsSync(r.workDir)).toBe(false);
  }, 180_000);

  it('a failing command fails the build with its exit code: nothing uploaded, nothing pushed', async () => {
    const name = `publish-cmd-${uniq()}`;
    const r = await build(name, {
      Dockerfile: `FROM ${BASE}\nRUN mkdir /out && echo x > /out/x.txt\n`,
      'build.yml': [
        `${name}:`,
        '  publish:',
        `    - { to: s3, copy: /out, bucket: ${BUCKET}, bucketPath: ${name}, command: "echo compiling; exit 3" }`,
      ].join('\n'),
    });
    expect(r.results[0]?.outcome, r.log).toBe('failed');
    expect(r.results[0]?.error).toBe('publish: publish command "echo compiling; exit 3" exited with code 3');
    expect(r.log).toMatch(/ compiling\n/);
    expect(await s3.list(BUCKET, `${name}/`)).toEqual([]);
    expect(await inRegistry(name, 'latest')).toBe(false);
  }, 180_000);

  it('a bucket that does not exist on the server fails the build, naming it; nothing pushed', async () => {
    const name = `publish-nobucket-${uniq()}`;
    const r = await build(name, {
      Dockerfile: `FROM ${BASE}\nRUN mkdir /out && echo x > /out/x.txt\n`,
      'build.yml': `${name}:\n  publish: [{ to: s3, copy: /out, bucket: missing-bucket }]\n`,
    });
    expect(r.results[0]?.outcome, r.log).toBe('failed');
    expect(r.results[0]?.error).toBe(
      'publish: upload of x.txt to s3://missing-bucket/x.txt failed: NoSuchBucket: The specified bucket does not exist',
    );
    expect(await inRegistry(name, 'latest')).toBe(false);
  }, 180_000);

  it('refuses an unknown `to` and a missing bucket in build.yml before building anything', async () => {
    const unknown = `publish-to-${uniq()}`;
    const a = await build(unknown, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${unknown}:\n  publish: [{ to: ftp, copy: /out, bucket: b }]\n`,
    });
    expect(a.failure?.message, a.log).toContain('build.yml:2:19 ');
    expect(a.failure?.message).toContain('publish[0].to: must be "s3"');
    expect(a.failure?.badInput).toBe(true);
    const nobucket = `publish-nob-${uniq()}`;
    const b = await build(nobucket, {
      Dockerfile: `FROM ${BASE}\n`,
      'build.yml': `${nobucket}:\n  publish: [{ to: s3, copy: /out }]\n`,
    });
    expect(b.failure?.message, b.log).toBe(`checkout: build.yml:2:13 ${nobucket}.publish[0]: missing required key "bucket"`);
    expect(b.failure?.badInput).toBe(true);
    expect(a.log + b.log).not.toContain('Building 127.0.0.1:5000');
    expect(await readdir(join(a.cfg.paths.builds, 'workspaces')).catch(() => [])).toEqual([]);
  }, 60_000);
});
