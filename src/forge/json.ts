import { badInput } from '../core/errors.js';

/** Shapes every forge's payloads share. */
export type Json = Record<string, unknown>;

/** A git sha: 40 hex digits, or 64 for SHA-256 repositories. */
export const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Git's all-zero sha: a ref created (as `before`) or deleted (as `after`). */
export const NULL_SHA = /^0+$/;
/** The comment that asks for a build of a merge/pull request, in any case. */
export const BUILD_PLEASE = 'build please!';

export function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A non-empty string at `key`, else a bad-input error saying `missing`. */
export function text(p: Json, key: string, missing: string): string {
  const value = p[key];
  if (typeof value !== 'string' || value === '') throw badInput(missing);
  return value;
}

/** `refs/heads/x` or `refs/tags/x`, split; undefined for any other ref. */
export function splitRef(ref: string): { type: 'branch' | 'tag'; name: string } | undefined {
  if (ref.startsWith('refs/heads/')) return { type: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { type: 'tag', name: ref.slice('refs/tags/'.length) };
  return undefined;
}
