import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { PublishFile } from '../core/publisher.js';

/** A directory entry left out of the upload, and why (for one warning line in the build log). */
export interface SkippedEntry {
  name: string;
  reason: string;
}

export interface FileList {
  files: PublishFile[];
  skipped: SkippedEntry[];
}

const inside = (root: string, target: string): boolean => target === root || target.startsWith(root + sep);

/**
 * Every regular file under `dir`, found without following links: the image's author controls these
 * files, so a symlink is only ever read through when it resolves to a regular file inside `dir`
 * (it is uploaded under the link's name). Links leaving `dir`, dangling links, links to directories
 * (which could loop) and special files are skipped. Sorted by name.
 */
export async function listFiles(dir: string): Promise<FileList> {
  const root = await realpath(dir);
  const files: PublishFile[] = [];
  const skipped: SkippedEntry[] = [];
  const nameOf = (abs: string): string => relative(root, abs).split(sep).join('/');

  async function visit(abs: string, entry: Dirent): Promise<string | undefined> {
    const name = nameOf(abs);
    if (entry.isDirectory()) return abs;
    if (entry.isFile()) {
      files.push({ name, path: abs, size: (await lstat(abs)).size });
    } else if (entry.isSymbolicLink()) {
      const target = await realpath(abs).catch(() => undefined);
      if (target === undefined) skipped.push({ name, reason: 'a symlink that leads nowhere' });
      else if (!inside(root, target)) skipped.push({ name, reason: 'a symlink leading outside the copied files' });
      else {
        const info = await stat(target);
        if (info.isFile()) files.push({ name, path: target, size: info.size });
        else skipped.push({ name, reason: info.isDirectory() ? 'a symlink to a directory' : 'not a regular file' });
      }
    } else {
      skipped.push({ name, reason: 'not a regular file' });
    }
    return undefined;
  }

  let pending = [root];
  while (pending.length > 0) {
    const next: string[] = [];
    for (const current of pending) {
      const entries = await readdir(current, { withFileTypes: true });
      const dirs = await Promise.all(entries.map((entry) => visit(join(current, entry.name), entry)));
      for (const d of dirs) if (d !== undefined) next.push(d);
    }
    pending = next;
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, skipped };
}
