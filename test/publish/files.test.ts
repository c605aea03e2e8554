import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles } from '../../src/publish/files.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tree(): Promise<{ outside: string; root: string }> {
  const base = await mkdtemp(join(tmpdir(), 'roger-files-'));
  dirs.push(base);
  const root = join(base, 'copied');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'sub', 'deep'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'not yours');
  await writeFile(join(root, 'a.txt'), 'aaa');
  await writeFile(join(root, 'sub', 'deep', 'b.js'), 'bb');
  return { outside, root };
}

describe('listFiles', () => {
  it('lists regular files recursively with /-separated names, sizes, sorted', async () => {
    const { root } = await tree();
    const { files, skipped } = await listFiles(root);
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ['a.txt', 3],
      ['sub/deep/b.js', 2],
    ]);
    expect(files[0]?.path).toBe(join(root, 'a.txt'));
    expect(skipped).toEqual([]);
  });

  it('never reads through symlinks to /etc, ../.., absolute paths or chains leaving the root', async () => {
    const { root, outside } = await tree();
    await symlink('/etc', join(root, 'etc'));
    await symlink('/etc/passwd', join(root, 'passwd'));
    await symlink('../..', join(root, 'sub', 'up'));
    await symlink('../../outside/secret.txt', join(root, 'sub', 'climb'));
    await symlink(join(outside, 'secret.txt'), join(root, 'abs'));
    // A chain: each hop looks harmless on its own, the last one leaves.
    await symlink('hop2', join(root, 'hop1'));
    await symlink('sub/hop3', join(root, 'hop2'));
    await symlink('../../outside', join(root, 'sub', 'hop3'));
    await symlink('missing', join(root, 'dangling'));
    const { files, skipped } = await listFiles(root);
    expect(files.map((f) => f.name)).toEqual(['a.txt', 'sub/deep/b.js']);
    for (const f of files) expect(f.path.startsWith(root)).toBe(true);
    const reasons = Object.fromEntries(skipped.map((s) => [s.name, s.reason]));
    expect(reasons).toEqual({
      etc: 'a symlink leading outside the copied files',
      passwd: 'a symlink leading outside the copied files',
      'sub/up': 'a symlink leading outside the copied files',
      'sub/climb': 'a symlink leading outside the copied files',
      abs: 'a symlink leading outside the copied files',
      hop1: 'a symlink leading outside the copied files',
      hop2: 'a symlink leading outside the copied files',
      'sub/hop3': 'a symlink leading outside the copied files',
      dangling: 'a symlink that leads nowhere',
    });
  });

  it('uploads a link to a file inside under the link name, and never walks linked directories (loops)', async () => {
    const { root } = await tree();
    await symlink('a.txt', join(root, 'latest.txt'));
    await symlink('.', join(root, 'loop'));
    await symlink('../..', join(root, 'sub', 'deep', 'again'));
    const { files, skipped } = await listFiles(root);
    expect(files.map((f) => f.name)).toEqual(['a.txt', 'latest.txt', 'sub/deep/b.js']);
    expect(files.find((f) => f.name === 'latest.txt')?.path).toBe(join(root, 'a.txt'));
    expect(skipped.map((s) => [s.name, s.reason]).sort()).toEqual([
      ['loop', 'a symlink to a directory'],
      ['sub/deep/again', 'a symlink to a directory'],
    ]);
  });

  it('skips special files such as fifos', async () => {
    const { root } = await tree();
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const { files, skipped } = await listFiles(root);
    expect(files.map((f) => f.name)).toEqual(['a.txt', 'sub/deep/b.js']);
    expect(skipped).toEqual([{ name: 'pipe', reason: 'not a regular file' }]);
  });

  it('resolves a root reached through a symlink itself', async () => {
    const { root } = await tree();
    const alias = join(root, '..', 'alias');
    await symlink(root, alias);
    const { files } = await listFiles(alias);
    expect(files.map((f) => f.name)).toEqual(['a.txt', 'sub/deep/b.js']);
  });
});
