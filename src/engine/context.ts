import { type Stats, constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, realpath } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import { Readable } from 'node:stream';
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';
import * as tarfs from 'tar-fs';
import { buildFailed } from '../core/errors.js';
import { matchInLinearTime } from './dockerignore-linear.js';

/**
 * The build context as `docker build` sends it: an uncompressed tar of the directory minus what
 * `.dockerignore` excludes, with the CLI's rules (Docker 20.10, cli/command/image/build and
 * moby/pkg/archive): patterns are matched by @balena/dockerignore (a port of Docker's matcher),
 * excluded directories are only walked when an exception (`!pattern`) could re-include something in
 * them, and the Dockerfile and `.dockerignore` are always sent. Symlinks are sent as symlinks.
 */

// A CommonJS module whose types declare an ES default export: under NodeNext the default import is
// `module.exports`, and the package sets `module.exports.default` to the same factory for this case.
const dockerignore = dockerignoreModule.default;

/** `.dockerignore` lines as Docker reads them: comments and blanks dropped, paths cleaned. */
export function readPatterns(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let pattern = raw.trim();
    if (!pattern) continue;
    const negated = pattern.startsWith('!');
    if (negated) pattern = pattern.slice(1).trim();
    if (pattern) {
      pattern = posix.normalize(pattern).replace(/(.)\/$/, '$1');
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(negated ? `!${pattern}` : pattern);
  }
  return patterns;
}

export class ContextFilter {
  private readonly matcher: Ignore;
  private readonly exceptions: string[];

  constructor(patterns: string[]) {
    // Docker matches case-sensitively on Linux; the library defaults to ignoring case.
    this.matcher = matchInLinearTime(dockerignore({ ignorecase: false }).add(patterns));
    this.exceptions = patterns.filter((p) => p.startsWith('!') && p.length > 1).map((p) => p.slice(1));
  }

  excludes(relPath: string): boolean {
    return this.matcher.ignores(relPath);
  }

  /**
   * Whether an excluded directory must still be walked: Docker does so only when an exception
   * pattern starts with the directory's path (a textual test, so `!**\/keep` does not count).
   */
  mayReinclude(relDir: string): boolean {
    const prefix = `${relDir}/`;
    return this.exceptions.some((p) => `${p}/`.startsWith(prefix));
  }
}

/** Context-relative paths to send, parents before children, in the order `filepath.Walk` uses. */
export async function contextEntries(dir: string, filter: ContextFilter): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const stat = await lstat(join(dir, relPath));
      const isDir = stat.isDirectory();
      // Sockets, fifos and devices cannot go in a build context usefully; tar-fs would refuse them.
      if (!isDir && !stat.isFile() && !stat.isSymbolicLink()) continue;
      if (filter.excludes(relPath)) {
        // The directory itself stays out; only re-included files inside it are sent.
        if (isDir && filter.mayReinclude(relPath)) await walk(relPath);
        continue;
      }
      entries.push(relPath);
      if (isDir) await walk(relPath);
    }
  };
  await walk('');
  return entries;
}

/** The most `.dockerignore` Roger reads; real ones are a few hundred bytes. */
export const IGNORE_FILE_LIMIT = 1024 * 1024;

const NOT_REGULAR = '.dockerignore must be a regular file inside the build context';

function errorCode(err: unknown): unknown {
  return err instanceof Error && 'code' in err ? err.code : undefined;
}

/**
 * The context's `.dockerignore`, or '' when there is none. The context is a checkout of someone's
 * repository, so the file is whatever they committed: only a regular file is read (through a symlink
 * only when it stays inside the context), never a device, fifo or file outside, and never more than
 * IGNORE_FILE_LIMIT bytes.
 */
async function readIgnoreFile(dir: string): Promise<string> {
  let path = join(dir, '.dockerignore');
  let stat: Stats;
  try {
    stat = await lstat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return '';
    throw err;
  }
  if (stat.isSymbolicLink()) {
    let root: string;
    try {
      [root, path] = await Promise.all([realpath(dir), realpath(path)]);
    } catch (err) {
      // A dangling link (or a loop) points at nothing Roger could read.
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ELOOP') throw buildFailed(NOT_REGULAR, err);
      throw err;
    }
    if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) throw buildFailed(NOT_REGULAR);
    stat = await lstat(path);
  }
  if (!stat.isFile()) throw buildFailed(NOT_REGULAR);
  if (stat.size > IGNORE_FILE_LIMIT) throw tooLarge();
  // What was checked is what is read: no link is followed at the last step, a fifo swapped in meanwhile
  // does not block the open, and the handle is checked again and read no further than the limit.
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errorCode(err) === 'ELOOP') throw buildFailed(NOT_REGULAR, err);
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile()) throw buildFailed(NOT_REGULAR);
    const buffer = Buffer.alloc(IGNORE_FILE_LIMIT + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > IGNORE_FILE_LIMIT) throw tooLarge();
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

function tooLarge(): Error {
  return buildFailed(`.dockerignore must not be larger than ${IGNORE_FILE_LIMIT / 1024 / 1024} MB`);
}

/** `exclude`: patterns applied before the context's own .dockerignore (which may re-include with `!`). */
export async function createContextStream(dir: string, opts: { dockerfile?: string; exclude?: string[] } = {}): Promise<Readable> {
  const patterns = [...(opts.exclude ?? []), ...readPatterns(await readIgnoreFile(dir))];
  const dockerfile = posix.normalize(opts.dockerfile ?? 'Dockerfile');
  // As the CLI does: exceptions for the files the daemon needs, added only when they are excluded.
  const probe = new ContextFilter(patterns);
  for (const needed of ['.dockerignore', dockerfile]) {
    if (probe.excludes(needed)) patterns.push(`!${needed}`);
  }
  const entries = await contextEntries(dir, new ContextFilter(patterns));
  const pack = tarfs.pack(dir, {
    entries,
    // `entries` is the complete list; tar-fs would otherwise add every directory's children itself.
    ignore: () => true,
    // Owned by root, as the CLI sends them, so the context does not depend on who checked it out.
    map: (header) => ({ ...header, uid: 0, gid: 0 }),
  });
  // tar-stream is built on streamx; the Engine port takes a Node stream.
  return Readable.from(pack, { objectMode: false });
}
