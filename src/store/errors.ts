import { isRogerError, systemError } from '../core/errors.js';
import { LeaseLostError } from '../core/store.js';

/** What the driver said, for a message: Node's AggregateError (e.g. both ::1 and 127.0.0.1 refused) has none of its own. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.message === '' && err.errors.length > 0) return describeError(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    const hint = typeof code === 'string' ? HINTS[code] : undefined;
    const message = err.message || (typeof code === 'string' ? code : err.name);
    return hint ? `${message} (${hint})` : message;
  }
  return String(err);
}

/** Driver codes a person can act on. */
const HINTS: Record<string, string> = {
  SQLITE_READONLY: 'the file or its directory is read-only',
  SQLITE_CANTOPEN: 'check that the directory exists and is writable',
  SQLITE_FULL: 'the disk is full',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_BUSY: 'another process holds the database locked',
  ECONNREFUSED: 'is the server running?',
  ENOSPC: 'the disk is full',
  EEXIST: 'a file stands where a directory should be',
  ENOTDIR: 'part of the path is a file, not a directory',
};

/** Our own typed errors pass through; anything from the driver becomes a `system` error naming the database. */
export function asStoreError(err: unknown, action: string, label: string): Error {
  if (isRogerError(err) || err instanceof LeaseLostError) return err;
  return systemError(`${label}: could not ${action}: ${describeError(err)}`, err);
}
