import type { ZodIssue } from 'zod';
import type { PathSegment } from './locate.js';
import { KNOWN_KEYS } from './schema.js';

/** One validation error: where (a path into the document, pointing at a key or a value) and what. */
export interface Problem {
  path: PathSegment[];
  /** Points at the key itself (unknown key, bad project name) rather than its value. */
  key: boolean;
  message: string;
}

/** `app.publish[0].copy` */
function dotted(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

export function problem(path: PathSegment[], message: string, key = false): Problem {
  const owner = key ? path.slice(0, -1) : path;
  return { path, key, message: owner.length > 0 ? `${dotted(owner)}: ${message}` : message };
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'a number',
  float: 'a number',
  boolean: 'true or false',
  null: 'an empty value',
  date: 'a date',
};

export const typeName = (type: string): string => TYPE_NAMES[type] ?? type;

/** A typo's intended key: same letters ignoring case, `-` and `_` (afterBuild, dockerfile_path). */
function suggestion(key: string): string {
  const squash = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');
  const match = KNOWN_KEYS.find((known) => squash(known) === squash(key));
  return match ? ` (did you mean "${match}"?)` : '';
}

export function unknownKey(path: PathSegment[]): Problem {
  const key = String(path[path.length - 1]);
  return problem(path, `unknown key ${JSON.stringify(key)}${suggestion(key)}`, true);
}

/** zod's issues as Problems, under `prefix` (the project name or `settings`), in plain words. */
export function fromZod(issue: ZodIssue, prefix: PathSegment[]): Problem[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey([...path, key]));
    case 'invalid_type':
      if (issue.received === 'undefined') {
        return [problem(path.slice(0, -1), `missing required key ${JSON.stringify(String(path[path.length - 1]))}`)];
      }
      return [problem(path, `expected ${typeName(issue.expected)}, got ${typeName(issue.received)}`)];
    case 'invalid_literal':
      return [problem(path, `must be ${JSON.stringify(issue.expected)}`)];
    case 'too_small':
      return [problem(path, issue.type === 'string' ? 'must not be empty' : issue.message)];
    case 'invalid_union': {
      // The branch whose type matched failed deeper (e.g. a list with a bad item): report that.
      const depth = issue.path.length;
      const wrongType = (i: ZodIssue): boolean => i.code === 'invalid_type' && i.path.length === depth;
      const deeper = issue.unionErrors.find((e) => !e.issues.some(wrongType));
      if (deeper) return deeper.issues.flatMap((i) => fromZod(i, prefix));
      const expected = issue.unionErrors.flatMap((e) => e.issues.filter(wrongType));
      const names = [...new Set(expected.map((i) => (i.code === 'invalid_type' ? typeName(i.expected) : '')))];
      const received = expected[0]?.code === 'invalid_type' ? typeName(expected[0].received) : 'something else';
      return [problem(path, `expected ${names.join(' or ')}, got ${received}`)];
    }
    default:
      return [problem(path, issue.message)];
  }
}
