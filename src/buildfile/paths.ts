import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput, systemError } from '../core/errors.js';

export const REPOSITORY = 'the repository';
export const CONTEXT = 'the build context (dockerfilePath)';

export type Checked = { ok: true; value: string } | { ok: false; problem: string };

/** NUL ends a C string and line breaks split log lines and Dockerfile instructions: never valid here. */
const BAD_CHARS = /[\0\r\n]/;

/** A value for messages: quoted, escaped, and short, since it may be megabytes of hostile input. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/**
 * A path relative to `within` (the checkout or the build context), normalised ('.' for empty, no
 * trailing slash). Absolute paths and paths whose `..` segments climb out are refused.
 */
export function checkRelativePath(value: string, within = REPOSITORY): Checked {
  if (BAD_CHARS.test(value)) return { ok: false, problem: `${shown(value)} contains a NUL byte or a line break` };
  if (path.posix.isAbsolute(value)) {
    return { ok: false, problem: `${shown(value)} is an absolute path; give a path relative to ${within}` };
  }
  const normal = path.posix.normalize(value === '' ? '.' : value).replace(/(.)\/+$/, '$1');
  if (normal === '..' || normal.startsWith('../')) return { ok: false, problem: `${shown(value)} leaves ${within}` };
  return { ok: true, value: normal };
}

/** A file (a Dockerfile) relative to `within`: as checkRelativePath, and not the directory itself. */
export function checkRelativeFile(value: string, within = CONTEXT): Checked {
  const checked = checkRelativePath(value, within);
  if (checked.ok && checked.value === '.') return { ok: false, problem: `${shown(value)} does not name a file` };
  return checked;
}

/** A path inside an image (build.extract, publish.copy): made absolute, normalised, trailing slash kept. */
export function checkImagePath(value: string): Checked {
  if (BAD_CHARS.test(value)) return { ok: false, problem: `${shown(value)} contains a NUL byte or a line break` };
  if (value === '') return { ok: false, problem: 'must not be empty' };
  return { ok: true, value: path.posix.normalize(value.startsWith('/') ? value : `/${value}`) };
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** The kernel's own limit on symlinks followed in one lookup. */
const MAX_LINK_HOPS = 40;

/** Thrown inside realpathOf; resolveInside turns it into a message naming the user's path. */
class SymlinkLoop extends Error {}

/**
 * realpath that also works for paths that do not exist yet: the deepest existing ancestor is resolved
 * and the rest appended. A dangling symlink is followed by hand, since writing through it would create
 * its target wherever it points.
 */
async function realpathOf(target: string, hops: number): Promise<string> {
  try {
    return await fs.realpath(target);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ELOOP') throw new SymlinkLoop(target);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw systemError(`cannot resolve ${target}`, err);
  }
  const parent = path.dirname(target);
  if (parent === target) return target;
  const stat = await fs.lstat(target).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    if (hops >= MAX_LINK_HOPS) throw new SymlinkLoop(target);
    const link = await fs.readlink(target);
    return realpathOf(path.resolve(await realpathOf(parent, hops), link), hops + 1);
  }
  return path.join(await realpathOf(parent, hops), path.basename(target));
}

export interface ResolveOptions {
  /** What the path is, for messages: `dockerfilePath`, `revfile`... Default `path`. */
  label?: string;
  /** What `root` is, for messages. Default `the repository`. */
  within?: string;
}

/**
 * The real path of `rel` under the real directory `root`, refused (bad-input) unless it stays inside
 * `root` once every symlink is followed. Called at checkout time, when the repository's symlinks exist;
 * the path need not exist yet.
 */
export async function resolveInside(root: string, rel: string, options: ResolveOptions = {}): Promise<string> {
  const label = options.label ?? 'path';
  const within = options.within ?? REPOSITORY;
  const checked = checkRelativePath(rel, within);
  if (!checked.ok) throw badInput(`${label} ${checked.problem}`);
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch (err) {
    throw systemError(`cannot resolve ${root}`, err);
  }
  let real: string;
  try {
    real = await realpathOf(path.join(realRoot, checked.value), 0);
  } catch (err) {
    if (err instanceof SymlinkLoop) throw badInput(`${label} ${shown(rel)} runs into a symlink loop`);
    throw err;
  }
  if (!isInside(realRoot, real)) throw badInput(`${label} ${shown(rel)} leaves ${within}`);
  return real;
}
