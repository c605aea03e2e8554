import { open } from 'node:fs/promises';
import { buildFailed } from '../core/errors.js';

/**
 * Reads at most `maxBytes` (+1, so the caller can tell the file was larger) of a regular file. A
 * repository's files are untrusted: git packs a gigabyte of spaces into almost nothing, so a plain
 * readFile could exhaust the server's memory.
 */
export async function readCapped(path: string, maxBytes: number, what: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw buildFailed(`${what} is not a regular file`);
    const length = Math.min(stat.size, maxBytes + 1);
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
