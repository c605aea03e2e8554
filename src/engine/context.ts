import { lstat, readFile, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';
import * as tarfs from 'tar-fs';

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
    this.matcher = dockerignore({ ignorecase: false }).add(patterns);
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

async function readIgnoreFile(dir: string): Promise<string> {
  try {
    return await readFile(join(dir, '.dockerignore'), 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return '';
    throw err;
  }
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
