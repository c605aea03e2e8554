import { createWriteStream } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { IGNORE_FILE_LIMIT, createContextStream, readPatterns } from '../../src/engine/context.js';
import { removeDir, run, tempDir, writeTree } from './helpers.js';

const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await writeTree(files);
  dirs.push(dir);
  return dir;
}

/** The tar's entries as `tar -tv` sees them: name (directories with a trailing slash) and type. */
interface Entry {
  name: string;
  type: string;
  owner: string;
  link?: string;
}

async function entries(dir: string, dockerfile?: string): Promise<Entry[]> {
  const out = await tempDir('roger-tar-');
  dirs.push(out);
  const file = join(out, 'context.tar');
  await pipeline(await createContextStream(dir, dockerfile ? { dockerfile } : {}), createWriteStream(file));
  const { stdout } = await run('tar', ['--numeric-owner', '-tvf', file]);
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S)\S+\s+(\S+)\s+\d+\s+\S+\s+\S+\s+(.*?)(?: -> (.*))?$/.exec(line);
      if (!m?.[1] || !m[2] || m[3] === undefined) throw new Error(`unexpected tar line: ${line}`);
      const entry: Entry = { name: m[3], type: m[1], owner: m[2] };
      if (m[4] !== undefined) entry.link = m[4];
      return entry;
    });
}

/** Entry names, directories marked with a trailing slash. */
async function names(dir: string, dockerfile?: string): Promise<string[]> {
  return (await entries(dir, dockerfile)).map((e) => (e.type === 'd' ? `${e.name.replace(/\/$/, '')}/` : e.name)).sort();
}

describe('createContextStream', () => {
  it('packs everything without a .dockerignore, owned by root', async () => {
    const dir = await tree({ Dockerfile: 'FROM x', '.hidden': 'h', 'src/a.js': 'a', 'src/lib/b.js': 'b' });
    expect(await names(dir)).toEqual(['.hidden', 'Dockerfile', 'src/', 'src/a.js', 'src/lib/', 'src/lib/b.js']);
    expect(new Set((await entries(dir)).map((e) => e.owner))).toEqual(new Set(['0/0']));
  });

  it('packs symlinks as symlinks, not their targets', async () => {
    const dir = await tree({ Dockerfile: 'FROM x', 'real.txt': 'r' });
    await symlink('real.txt', join(dir, 'link.txt'));
    await symlink('/etc/passwd', join(dir, 'outside'));
    const list = await entries(dir);
    expect(list).toContainEqual({ name: 'link.txt', type: 'l', owner: '0/0', link: 'real.txt' });
    expect(list).toContainEqual({ name: 'outside', type: 'l', owner: '0/0', link: '/etc/passwd' });
  });

  it('applies .dockerignore patterns like Docker: globs, **, leading / and ./, comments', async () => {
    const dir = await tree({
      Dockerfile: 'FROM x',
      '.dockerignore': ['# comment', '', '*.log', '**/*.tmp', '/build', './secret.txt', 'node_modules', '  spaced.txt  ', 'src/*/gen'].join('\n'),
      'app.log': '',
      'src/deep/app.log': '',
      'a.tmp': '',
      'src/deep/b.tmp': '',
      'build/out.js': '',
      'src/build/keep.js': '',
      'secret.txt': '',
      'node_modules/x/index.js': '',
      'spaced.txt': '',
      'src/one/gen/file': '',
      'src/gen/file': '',
      'Upper.LOG': '',
    });
    expect(await names(dir)).toEqual([
      '.dockerignore',
      'Dockerfile',
      // Matching is case-sensitive, as on Linux.
      'Upper.LOG',
      'src/',
      'src/build/',
      'src/build/keep.js',
      // `*.log` only matches at the top level.
      'src/deep/',
      'src/deep/app.log',
      'src/gen/',
      'src/gen/file',
      'src/one/',
    ]);
  });

  it('re-includes exceptions, also inside excluded directories, without sending the directory itself', async () => {
    const dir = await tree({
      Dockerfile: 'FROM x',
      '.dockerignore': ['*.md', '!README.md', 'docs', '!docs/keep.md', 'other', '!**/wanted.txt'].join('\n'),
      'README.md': '',
      'CHANGES.md': '',
      'docs/keep.md': '',
      'docs/drop.md': '',
      'docs/img/logo.png': '',
      // Docker only walks an excluded directory when an exception starts with its path: `!**/...`
      // re-includes files elsewhere, but not inside `other`.
      'other/wanted.txt': '',
      'elsewhere/wanted.txt': '',
    });
    expect(await names(dir)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'README.md',
      'docs/keep.md',
      'elsewhere/',
      'elsewhere/wanted.txt',
    ]);
  });

  it('always sends the Dockerfile and .dockerignore, even when ignored', async () => {
    const dir = await tree({
      Dockerfile: 'FROM x',
      '.dockerignore': ['Dockerfile', '.dockerignore', '*'].join('\n'),
      'other.txt': '',
    });
    expect(await names(dir)).toEqual(['.dockerignore', 'Dockerfile']);
  });

  it('sends a Dockerfile in an ignored directory, and only it', async () => {
    const dir = await tree({
      'docker/Dockerfile.prod': 'FROM x',
      'docker/secrets.env': '',
      '.dockerignore': 'docker\n',
      'app.js': '',
    });
    expect(await names(dir, './docker/Dockerfile.prod')).toEqual(['.dockerignore', 'app.js', 'docker/Dockerfile.prod']);
  });

  it('reads a .dockerignore that is a symlink to a regular file inside the context', async () => {
    const dir = await tree({ Dockerfile: 'FROM x', 'config/ignore': 'secret.txt\n', 'secret.txt': '', 'app.js': '' });
    await symlink('config/ignore', join(dir, '.dockerignore'));
    expect(await names(dir)).toEqual(['.dockerignore', 'Dockerfile', 'app.js', 'config/', 'config/ignore']);
  });

  it('reads a .dockerignore of up to 1 MB', async () => {
    const dir = await tree({ Dockerfile: 'FROM x', '.dockerignore': `${'#'.repeat(IGNORE_FILE_LIMIT - 12)}\nsecret.txt\n`, 'secret.txt': '' });
    expect(await names(dir)).toEqual(['.dockerignore', 'Dockerfile']);
  });

  describe('refuses a .dockerignore that is not a regular file inside the context', () => {
    const refused = async (make: (path: string, dir: string) => Promise<unknown>): Promise<unknown> => {
      const dir = await tree({ Dockerfile: 'FROM x' });
      await make(join(dir, '.dockerignore'), dir);
      return createContextStream(dir).then(
        () => new Error('createContextStream resolved'),
        (err: unknown) => err,
      );
    };
    const NOT_REGULAR = '.dockerignore must be a regular file inside the build context';

    it.each([
      ['a symlink to /dev/zero', (path: string) => symlink('/dev/zero', path)],
      ['a symlink to /etc/passwd', (path: string) => symlink('/etc/passwd', path)],
      ['a fifo', (path: string) => run('mkfifo', [path])],
      ['a directory', (path: string) => mkdir(path)],
      ['a dangling symlink', (path: string) => symlink('nowhere', path)],
      ['a symlink loop', (path: string) => symlink('.dockerignore', path)],
      // The link's text points inside, but its target is a link out.
      ['a symlink to a link out of the context', async (path: string, dir: string) => {
        await symlink('/etc/passwd', join(dir, 'inner'));
        await symlink('inner', path);
      }],
      ['a symlink to a sibling directory sharing the context’s name as prefix', async (path: string, dir: string) => {
        const sibling = `${dir}-evil`;
        dirs.push(sibling);
        await mkdir(sibling);
        await writeFile(join(sibling, 'ignore'), 'x\n');
        await symlink(`../${basename(dir)}-evil/ignore`, path);
      }],
    ])('%s', async (_what, make) => {
      const err = await refused(make);
      expect(isRogerError(err, 'build-failed'), String(err)).toBe(true);
      expect((err as Error).message).toBe(NOT_REGULAR);
    });

    it('larger than 1 MB, also behind a symlink inside the context', async () => {
      const big = 'x\n'.repeat(IGNORE_FILE_LIMIT / 2) + 'y';
      const direct = await refused((path) => writeFile(path, big));
      expect(isRogerError(direct, 'build-failed'), String(direct)).toBe(true);
      expect((direct as Error).message).toBe('.dockerignore must not be larger than 1 MB');
      const linked = await refused(async (path, dir) => {
        await writeFile(join(dir, 'big'), big);
        await symlink('big', path);
      });
      expect((linked as Error).message).toBe('.dockerignore must not be larger than 1 MB');
    });
  });

  it('reads .dockerignore lines as Docker does', () => {
    expect(readPatterns('\uFEFF# c\n /abs/path/ \n!  ./neg\n./a/../b\n\n!\n/\n')).toEqual(['abs/path', '!neg', 'b', '!', '/']);
  });
});
