import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tarfs from 'tar-fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { extractArchive } from '../../src/engine/copy-out.js';
import { BASE, buildFrom, containersOf, dockerEngine, removeDir, tempDir, testRef } from './helpers.js';

const engine = dockerEngine();
let image: string;
const dirs: string[] = [];

async function dest(): Promise<string> {
  const dir = await tempDir('roger-out-');
  dirs.push(dir);
  return join(dir, 'nested', 'dest');
}

beforeAll(async () => {
  image = testRef('copy-out');
  await buildFrom(
    engine,
    [
      `FROM ${BASE}`,
      'RUN mkdir -p /app/dist/sub && echo hello > /app/dist/a.txt && echo deep > /app/dist/sub/b.txt',
      // A link inside the tree is kept; links out of it (absolute or climbing) are not.
      'RUN ln -s a.txt /app/dist/link-in && ln -s /etc/passwd /app/dist/link-abs && ln -s ../../etc /app/dist/link-up',
      'RUN echo single > /app/one.txt',
    ].join('\n'),
    [image],
  );
});

afterAll(async () => {
  if (image) await engine.removeImage(image);
  for (const dir of dirs) await removeDir(dir);
});

describe('DockerEngine.copyOut', () => {
  it('copies the contents of a directory into dest, creating it', async () => {
    const out = await dest();
    await engine.copyOut(image, '/app/dist', out);
    expect((await readdir(out)).sort()).toEqual(['a.txt', 'link-in', 'sub']);
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('hello\n');
    expect(await readFile(join(out, 'sub', 'b.txt'), 'utf8')).toBe('deep\n');
    expect((await lstat(join(out, 'link-in'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(out, 'link-in'))).toBe('a.txt');
    expect(await containersOf(image)).toEqual([]);
  });

  it('copies a single file as dest/<name>', async () => {
    const out = await dest();
    await engine.copyOut(image, '/app/one.txt', out);
    expect(await readFile(join(out, 'one.txt'), 'utf8')).toBe('single\n');
  });

  it('rejects with canceled when already aborted', async () => {
    const err = await engine.copyOut(image, '/app/dist', await dest(), AbortSignal.abort()).catch((e: unknown) => e);
    expect(isRogerError(err, 'canceled')).toBe(true);
  });

  it('rejects a missing path with build-failed naming it, and removes the container', async () => {
    const err = await engine.copyOut(image, '/app/nope', await dest()).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toContain('/app/nope does not exist');
    expect(await containersOf(image)).toEqual([]);
  });
});

describe('DockerEngine.copyOut into an unusable dest', () => {
  it('rejects with a system error when dest cannot be created', async () => {
    const base = await tempDir('roger-out-');
    dirs.push(base);
    await writeFile(join(base, 'file'), '');
    const err = await engine.copyOut(BASE, '/etc', join(base, 'file', 'dest')).catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toMatch(/^Copy of \/etc out of .* failed: cannot create .*file\/dest: ENOTDIR/);
  });
});

describe('extractArchive', () => {
  it('keeps hostile entries inside dest: climbing names, links out, writes through links', async () => {
    const src = await tempDir('roger-evil-src-');
    const outside = await tempDir('roger-evil-outside-');
    const base = await tempDir('roger-evil-dest-');
    dirs.push(src, outside, base);
    await mkdir(join(src, 'top'));
    for (const name of ['ok.txt', 'climb.txt', 'through.txt']) await writeFile(join(src, 'top', name), name);
    await symlink(outside, join(src, 'top', 'out'));
    const renames: Record<string, string> = {
      'top/climb.txt': 'top/../../climb.txt',
      'top/through.txt': 'top/out/through.txt',
    };
    const archive = tarfs.pack(src, {
      entries: ['top', 'top/ok.txt', 'top/out', 'top/climb.txt', 'top/through.txt'],
      ignore: () => true,
      map: (header) => ({ ...header, name: renames[header.name] ?? header.name }),
    });
    const out = join(base, 'dest');
    await mkdir(out);

    await extractArchive(Readable.from(archive, { objectMode: false }), out);

    expect(await readFile(join(out, 'ok.txt'), 'utf8')).toBe('ok.txt');
    expect(await readFile(join(out, 'climb.txt'), 'utf8')).toBe('climb.txt');
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(base)).toEqual(['dest']);
    // The link out was skipped, so the write "through" it stayed in a plain directory in dest.
    expect((await lstat(join(out, 'out'))).isDirectory()).toBe(true);
    expect(await readFile(join(out, 'out', 'through.txt'), 'utf8')).toBe('through.txt');
  });
});
