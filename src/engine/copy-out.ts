import { mkdir, readdir, realpath, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import * as tarfs from 'tar-fs';
import { resolveInside } from '../buildfile/paths.js';
import { RogerError, buildFailed, systemError, toError } from '../core/errors.js';
import { abortable } from './abort.js';
import type { EngineClient } from './client.js';
import { withContainer } from './container.js';
import { canceled, statusCodeOf } from './errors.js';

/** `docker cp image:path dest` through a created (never started) container. */

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root + sep);
}

function withoutFirstSegment(name: string): string {
  return name.split('/').slice(1).join('/');
}

const SUPPORTED = new Set(['file', 'directory', 'symlink', 'link']);

/**
 * A failure to write the files: with an errno it is our disk (full, not writable); without one,
 * tar-fs refused the archive's content (a path through a link), which the image's author controls.
 * Wrapped before it can look like a socket error, which `EACCES` and friends would otherwise be.
 */
function extractionError(err: unknown, root: string, what: string): RogerError {
  const e = toError(err);
  return typeof Reflect.get(e, 'code') === 'string'
    ? systemError(`${what} failed: cannot write into ${root}: ${e.message}`, e)
    : buildFailed(`${what} failed: refused archive entry: ${e.message}`, e);
}

/**
 * Removes every symlink under `root` that, followed to its end through every other link, leaves
 * `root` or loops. Each link was checked on its own when written, but a chain can still climb out:
 * `s -> .` then `a -> s/..` points at root's parent, and an entry written early can point through a
 * link written later. Only the finished tree tells, so the whole tree is checked once extracted.
 */
async function removeEscapingLinks(root: string): Promise<void> {
  const links: string[] = [];
  const dirs = [root];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) dirs.push(path);
      else if (entry.isSymbolicLink()) links.push(path);
    }
  }
  // Every link is judged before any is removed: removing one first would leave the links that lead
  // through it dangling at a harmless-looking name inside.
  const leaving: string[] = [];
  for (const link of links) {
    const stays = await resolveInside(root, relative(root, link)).then(
      () => true,
      () => false,
    );
    if (!stays) leaving.push(link);
  }
  for (const link of leaving) await unlink(link);
}

/**
 * Extracts the engine's archive of `path` into `root`. The archive names everything under the base
 * name of `path`; for a directory that top level is dropped so its contents land in `root`, a file
 * lands as `root/<name>`. Symlinks leading outside `root` are not kept: they would hand whoever
 * reads the artifacts a path into the host. tar-fs itself refuses entries escaping `root`, hard links
 * whose real target is outside it, and never writes through an existing symlink. Everything is
 * checked against `root`'s real path, so a symlinked temp directory cannot shift the boundary.
 */
export async function extractArchive(archive: NodeJS.ReadableStream, dest: string, what = 'Extraction'): Promise<void> {
  let root: string;
  try {
    root = await realpath(dest);
  } catch (err) {
    throw systemError(`${what} failed: cannot resolve ${dest}: ${toError(err).message}`, err);
  }
  await extractInto(archive, root, what);
  try {
    await removeEscapingLinks(root);
  } catch (err) {
    throw systemError(`${what} failed: cannot check the links extracted into ${root}: ${toError(err).message}`, err);
  }
}

function extractInto(archive: NodeJS.ReadableStream, root: string, what: string): Promise<void> {
  let stripTop: boolean | undefined;
  // tar-fs's own symlink check refuses a link to a link, which fails ordinary images (lib.so ->
  // lib.so.1 -> lib.so.1.2); chains are instead followed to their end once the tree is complete.
  // Writes and hard links stay guarded: tar-fs never writes through a link and resolves hard links.
  const options: tarfs.ExtractOptions & { validateSymlinks: boolean } = {
    validateSymlinks: false,
    map(header) {
      // The first entry is the top level: a directory when `path` was one.
      stripTop ??= header.type === 'directory';
      if (!stripTop) return header;
      header.name = withoutFirstSegment(header.name);
      const linkname: unknown = Reflect.get(header, 'linkname');
      // Hard link targets are archive paths, so they lose the top level too; symlink targets are
      // relative to the link and stay as they are.
      if (header.type === 'link' && typeof linkname === 'string') {
        Reflect.set(header, 'linkname', withoutFirstSegment(linkname));
      }
      return header;
    },
    ignore(name, header) {
      if (!header) return false;
      if (!SUPPORTED.has(header.type)) return true; // devices and fifos have no place in artifacts
      if (header.type !== 'symlink') return false;
      const linkname: unknown = Reflect.get(header, 'linkname');
      return typeof linkname !== 'string' || !inside(root, resolve(dirname(name), linkname));
    },
  };
  const extract = tarfs.extract(root, options);
  return new Promise<void>((done, fail) => {
    let ended = false;
    const stop = (err: unknown): void => {
      if (archive instanceof Readable) archive.destroy();
      // Also destroys the entry being written, which closes its file.
      extract.destroy();
      fail(err);
    };
    archive.on('error', stop);
    archive.on('end', () => (ended = true));
    // A connection cut without an error would otherwise leave the extraction waiting for ever.
    archive.on('close', () => {
      if (!ended) stop(new Error('the archive stream closed before its end'));
    });
    extract.on('error', (err: unknown) => stop(extractionError(err, root, what)));
    extract.on('finish', () => done());
    archive.pipe(extract);
  });
}

/** Creates `dest` for an extraction; returns its absolute path. */
export async function extractionRoot(dest: string, what: string): Promise<string> {
  const root = resolve(dest);
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw systemError(`${what} failed: cannot create ${root}: ${toError(err).message}`, err);
  }
  return root;
}

/**
 * Reads `path` out of `container` into `root`; `onArchive` receives the archive stream as soon as it
 * exists, so an abort can destroy it. A missing path is the user's error, not the engine's.
 */
export async function archiveInto(
  container: { getArchive(opts: { path: string }): Promise<NodeJS.ReadableStream> },
  path: string,
  root: string,
  what: string,
  onArchive: (archive: NodeJS.ReadableStream) => void,
): Promise<void> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path });
  } catch (err) {
    if (statusCodeOf(err) === 404) throw buildFailed(`${what} failed: ${path} does not exist in the image`, err);
    throw err;
  }
  onArchive(archive);
  await extractArchive(archive, root, what);
}

export async function copyOut(
  client: EngineClient,
  image: string,
  path: string,
  dest: string,
  signal?: AbortSignal,
): Promise<void> {
  const what = `Copy of ${path} out of ${image}`;
  if (signal?.aborted) throw canceled(what);
  const root = await extractionRoot(dest, what);
  await withContainer(
    client,
    // Never started: the command only has to exist for the engine to accept the container.
    { Image: image, Cmd: ['/roger-copy-out'], Tty: false },
    { endpoint: client.endpoint, what, signal },
    async (container) => {
      let archive: NodeJS.ReadableStream | undefined;
      const work = archiveInto(container, path, root, what, (a) => (archive = a));
      await abortable(work, signal, what, () => {
        if (archive instanceof Readable) archive.destroy(canceled(what));
      });
    },
  );
}
