import { badInput } from '../core/errors.js';

const MAX_LIMIT = 500;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `?limit=N`: a whole number from 1 to 500; absent = `fallback`. */
export function parseLimit(raw: unknown, fallback = 10): number {
  if (raw === undefined || raw === '') return fallback;
  const s = String(raw);
  if (!/^\d{1,7}$/.test(s)) throw badInput(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const n = Number(s);
  if (n < 1 || n > MAX_LIMIT) throw badInput(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

/** Build ids are URL-safe; anything else (`../../etc/passwd`) is refused before any lookup. */
export function parseId(raw: unknown): string {
  const s = String(raw ?? '');
  if (!ID.test(s)) throw badInput('invalid build id');
  return s;
}
