import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { checkImagePath, checkRelativePath, resolveInside } from '../../src/buildfile/paths.js';

describe('static path checks', () => {
  it('normalises relative paths that stay inside', () => {
    expect(checkRelativePath('')).toEqual({ ok: true, value: '.' });
    expect(checkRelativePath('./')).toEqual({ ok: true, value: '.' });
    expect(checkRelativePath('a/b/')).toEqual({ ok: true, value: 'a/b' });
    expect(checkRelativePath('a/../b')).toEqual({ ok: true, value: 'b' });
    expect(checkRelativePath('..foo')).toEqual({ ok: true, value: '..foo' });
  });

  it('refuses escapes, absolute paths, NUL and line breaks', () => {
    for (const bad of ['..', '../..', 'a/../../b', '/etc', '/', 'a\0b', 'a\nb', 'a\rb']) {
      expect(checkRelativePath(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('makes image paths absolute and refuses control characters', () => {
    expect(checkImagePath('src')).toEqual({ ok: true, value: '/src' });
    expect(checkImagePath('/src/public/')).toEqual({ ok: true, value: '/src/public/' });
    expect(checkImagePath('/a/../../b')).toEqual({ ok: true, value: '/b' });
    expect(checkImagePath('/a\nb').ok).toBe(false);
    expect(checkImagePath('').ok).toBe(false);
  });
});

describe('resolveInside', () => {
  let base: string;
  let repo: string;
  let outside: string;

  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'roger-paths-'));
    repo = path.join(base, 'repo');
    outside = path.join(base, 'outside');
    await fs.mkdir(path.join(repo, 'app', 'sub'), { recursive: true });
    await fs.mkdir(outside);
    await fs.symlink(outside, path.join(repo, 'escape'));
    await fs.symlink('../../outside/nothing-here', path.join(repo, 'app', 'dangling'));
    await fs.symlink('sub', path.join(repo, 'app', 'inner'));
    await fs.symlink('loop-b', path.join(repo, 'loop-a'));
    await fs.symlink('loop-a', path.join(repo, 'loop-b'));
  });

  afterAll(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  /** The bad-input message resolveInside rejects with. */
  async function refusal(rel: string, label?: string): Promise<string> {
    const err: unknown = await resolveInside(repo, rel, { label }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRogerError(err, 'bad-input'), `${rel} should be refused`).toBe(true);
    return (err as Error).message;
  }

  it('resolves existing and not-yet-existing paths inside the repository', async () => {
    const real = await fs.realpath(repo);
    expect(await resolveInside(repo, '.')).toBe(real);
    expect(await resolveInside(repo, 'app/sub')).toBe(path.join(real, 'app', 'sub'));
    expect(await resolveInside(repo, 'app/inner/rev')).toBe(path.join(real, 'app', 'sub', 'rev'));
    expect(await resolveInside(repo, 'new/dir/file')).toBe(path.join(real, 'new', 'dir', 'file'));
  });

  it('refuses a symlink that points out of the repository', async () => {
    expect(await refusal('escape', 'dockerfilePath')).toBe('dockerfilePath "escape" leaves the repository');
    expect(await refusal('escape/deeper/still')).toBe('path "escape/deeper/still" leaves the repository');
  });

  it('refuses a dangling symlink whose target is outside', async () => {
    expect(await refusal('app/dangling', 'revfile')).toBe('revfile "app/dangling" leaves the repository');
  });

  it('refuses lexical escapes and absolute paths before touching the disk', async () => {
    expect(await refusal('../..', 'dockerfilePath')).toBe('dockerfilePath "../.." leaves the repository');
    expect(await refusal('/etc', 'dockerfilePath')).toMatch(/^dockerfilePath "\/etc" is an absolute path/);
  });

  it('refuses symlink loops', async () => {
    expect(await refusal('loop-a/x')).toBe('path "loop-a/x" runs into a symlink loop');
  });

  it('names what the root is when asked', async () => {
    const err: unknown = await resolveInside(path.join(repo, 'app'), '../escape', { label: 'revfile', within: 'the build context' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('revfile "../escape" leaves the build context');
  });
});
