import { lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { extractArchive } from '../../src/engine/copy-out.js';
import { BASE, buildFrom, dockerEngine, removeDir, tempDir, testRef } from './helpers.js';

type Entry = { name: string; file?: string; symlink?: string; link?: string; dir?: true };

/** A tar of `entries`, in order, as the engine would send for a directory named `top`. */
function archive(entries: Entry[]): Readable {
  const pack = tarStream.pack();
  for (const e of entries) {
    if (e.dir) pack.entry({ name: e.name, type: 'directory', mode: 0o755 });
    else if (e.symlink !== undefined) pack.entry({ name: e.name, type: 'symlink', linkname: e.symlink });
    else if (e.link !== undefined) pack.entry({ name: e.name, type: 'link', linkname: e.link });
    else pack.entry({ name: e.name, mode: 0o644 }, e.file ?? '');
  }
  pack.finalize();
  return pack as unknown as Readable;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

/** A temp dir holding `secret.txt` (what must never be reached) and an empty `dest` to extract into. */
async function setup(): Promise<{ base: string; out: string; secret: string }> {
  const base = await tempDir('roger-links-');
  dirs.push(base);
  const secret = join(base, 'secret.txt');
  await writeFile(secret, 'secret');
  const out = join(base, 'dest');
  await mkdir(out);
  return { base, out, secret };
}

/** Names in `dir` (sorted), with each symlink's target. */
async function listing(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (n) => ((await lstat(join(dir, n))).isSymbolicLink() ? `${n} -> ${await readlink(join(dir, n))}` : n)),
  );
}

describe('extractArchive: symlink chains and links cannot leave the extraction root', () => {
  it('drops links that leave through chains, loops, absolute or climbing targets; keeps those inside', async () => {
    const { base, out } = await setup();
    await extractArchive(
      archive([
        { name: 'top', dir: true },
        { name: 'top/f', file: 'data' },
        { name: 'top/in', symlink: 'f' },
        { name: 'top/in2', symlink: 'in' }, // a chain inside, as in lib.so -> lib.so.1 -> lib.so.1.2
        { name: 'top/s', symlink: '.' },
        { name: 'top/a', symlink: 's/..' }, // s is the root, so s/.. is its parent
        { name: 'top/b', symlink: 'a' },
        { name: 'top/c', symlink: 'b/dest/s/..' },
        { name: 'top/e', symlink: 'later/..' }, // checked before `later` exists
        { name: 'top/later', symlink: '.' },
        { name: 'top/abs', symlink: '/etc' },
        { name: 'top/up', symlink: '../../..' },
        { name: 'top/loop1', symlink: 'loop2' },
        { name: 'top/loop2', symlink: 'loop1' },
        { name: 'top/../../climb.txt', file: 'climb' },
        { name: 'top/hard', link: 'top/f' },
      ]),
      out,
    );
    expect(await listing(out)).toEqual(['climb.txt', 'f', 'hard', 'in -> f', 'in2 -> in', 'later -> .', 's -> .']);
    expect(await readFile(join(out, 'in2'), 'utf8')).toBe('data');
    expect(await readFile(join(out, 'hard'), 'utf8')).toBe('data');
    expect((await readdir(base)).sort()).toEqual(['dest', 'secret.txt']);
  });

  it('refuses a hard link reaching outside through a chain, linking nothing', async () => {
    const { base, out, secret } = await setup();
    const err = await extractArchive(
      archive([
        { name: 'top', dir: true },
        { name: 'top/s', symlink: '.' },
        { name: 'top/a', symlink: 's/..' },
        { name: 'top/stolen', link: 'top/a/secret.txt' },
      ]),
      out,
    ).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect((err as Error).message).toMatch(/refused archive entry: .*stolen is not a valid hardlink/);
    expect((await stat(secret)).nlink).toBe(1);
    expect((await readdir(base)).sort()).toEqual(['dest', 'secret.txt']);
    expect(await readdir(out)).not.toContain('stolen');
  });

  it('refuses a file written through a chain, writing nothing outside', async () => {
    const { base, out, secret } = await setup();
    const err = await extractArchive(
      archive([
        { name: 'top', dir: true },
        { name: 'top/s', symlink: '.' },
        { name: 'top/a', symlink: 's/..' },
        { name: 'top/a/secret.txt', file: 'overwritten' },
        { name: 'top/a/new.txt', file: 'new' },
      ]),
      out,
    ).catch((e: unknown) => e);
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect(await readFile(secret, 'utf8')).toBe('secret');
    expect((await readdir(base)).sort()).toEqual(['dest', 'secret.txt']);
  });
});

describe('DockerEngine.copyOut of an image whose files link outside', () => {
  const engine = dockerEngine();
  const image = testRef('copy-out-links');

  beforeAll(async () => {
    await buildFrom(
      engine,
      [
        `FROM ${BASE}`,
        'RUN mkdir /out && cd /out && echo data > f && ln f hard && ln -s f in && ln -s in in2 && ln -s . s && ln -s s/.. a && ln -s a b \\',
        ' && ln -s later/.. e && ln -s . later && ln -s /etc abs && ln -s ../../.. up && ln -s loop2 loop1 && ln -s loop1 loop2',
      ].join('\n'),
      [image],
    );
  });
  afterAll(async () => {
    await engine.removeImage(image).catch(() => undefined);
  });

  it('extracts only what stays inside the destination', async () => {
    const { base, out } = await setup();
    await engine.copyOut(image, '/out', out);
    expect(await listing(out)).toEqual(['f', 'hard', 'in -> f', 'in2 -> in', 'later -> .', 's -> .']);
    expect(await readFile(join(out, 'in2'), 'utf8')).toBe('data\n');
    expect(await readFile(join(out, 'hard'), 'utf8')).toBe('data\n');
    expect((await readdir(base)).sort()).toEqual(['dest', 'secret.txt']);
  });
});
