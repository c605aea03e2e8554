import type { Config } from '../core/config.js';
import { isPlainObject } from './tree.js';

export const MASK = '*****';

/** Key names whose values are credentials wherever they appear (apiKey, accessKey, webhookSecret, tokens...). */
const SECRET_KEY = /(tokens?|password|passwd|passphrase|secret|key)$/i;
/** Keys that are secret only in context: `auth.github` is a token, `slack.url` is a webhook that posts. */
const SECRET_IN: Record<string, readonly string[]> = { auth: ['github'], notifications: ['github'], slack: ['url'], webhook: ['url'] };
/** Connection-string parameters that carry a password (`?password=…`, libpq's `password=…`). */
const PASSWORD_PARAM = /(^|[?&;\s])((?:ssl)?password=)([^&;\s]+)/gi;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
/** Keys whose value is a connection string: its password is masked even where a free text's would not be found. */
const CONNECTION_IN: Record<string, readonly string[]> = { database: ['url'] };

const isSecretKey = (key: string, parent: string | undefined): boolean =>
  SECRET_KEY.test(key) || (parent !== undefined && (SECRET_IN[parent.toLowerCase()] ?? []).includes(key.toLowerCase()));

const isConnectionKey = (key: string, parent: string | undefined): boolean =>
  parent !== undefined && (CONNECTION_IN[parent.toLowerCase()] ?? []).includes(key.toLowerCase());

/** A deep copy fit to show (GET /api/config): secret values and URL passwords replaced by `*****`. */
export function maskSecrets(value: unknown): unknown {
  return walk(value, undefined, false);
}

function walk(value: unknown, key: string | undefined, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, key, secret));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        typeof v === 'string' && !secret && isConnectionKey(k, key) ? maskConnectionString(v) : walk(v, k, secret || isSecretKey(k, key)),
      ]),
    );
  }
  if (value === null || value === undefined) return value;
  if (secret) return MASK;
  return typeof value === 'string' ? maskUrlPasswords(value) : value;
}

/**
 * Masks the password of every `scheme://user:password@host` and every `password=…` parameter in a
 * free text (log lines, error messages). Linear in the text's length whatever it holds: it runs on
 * error messages, which can echo anything. A password may hold `@`, `:`, `?` or `#` unencoded (the last
 * `@` before the path ends it); one holding `/` cannot be told from a path here, see maskConnectionString.
 */
export function maskUrlPasswords(text: string): string {
  let out = '';
  let done = 0;
  for (const [start, end] of passwordSpans(text)) {
    out += `${text.slice(done, start)}${MASK}`;
    done = end;
  }
  return out + text.slice(done);
}

/** Where the passwords are in `text`: [start, end) pairs in order, not overlapping. */
function passwordSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let scanned = 0;
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', Math.max(at + 3, scanned))) {
    if (at === 0 || !SCHEME_CHAR.test(text.charAt(at - 1))) continue;
    const start = at + 3;
    let end = start;
    let colon = -1;
    let userinfoEnd = -1;
    // One pass over the authority (up to the path's `/`, whitespace or a quote): its first `:` and last `@`.
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === 0x2f || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x22 || c === 0x27) break;
      if (c === 0x3a && colon === -1) colon = end;
      else if (c === 0x40) userinfoEnd = end;
    }
    scanned = end;
    if (colon !== -1 && colon + 1 < userinfoEnd) spans.push([colon + 1, userinfoEnd]);
  }
  for (const m of text.matchAll(PASSWORD_PARAM)) {
    const start = (m.index ?? 0) + (m[1]?.length ?? 0) + (m[2]?.length ?? 0);
    spans.push([start, start + (m[3]?.length ?? 0)]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  // A parameter inside a masked authority is already covered.
  return spans.filter((span, i) => i === 0 || span[0] >= (spans[i - 1]?.[1] ?? 0));
}

/**
 * A connection string (`database.url`) with its password masked, including one written with an
 * unencoded `/` (everything between `user:` and the last `@` is the password to a reader like pg's).
 */
export function maskConnectionString(url: string): string {
  const password = connectionPassword(url);
  return password === undefined ? maskUrlPasswords(url) : maskUrlPasswords(url.replace(`:${password}@`, `:${MASK}@`));
}

/**
 * Why a connection string cannot be used safely, or undefined: a password with an unencoded `/`, `#`
 * or `?` is read by the driver as part of the host or path, so error messages would print pieces of
 * it where no masking can recognise them. The answer never contains the password.
 */
export function connectionUrlProblem(url: string): string | undefined {
  const written = connectionPassword(url);
  if (written === undefined) return undefined;
  let parsed: string;
  try {
    parsed = new URL(url).password;
  } catch {
    parsed = '';
  }
  if (decoded(parsed) === decoded(written)) return undefined;
  return 'database.url: percent-encode the password (its / # ? characters, e.g. with encodeURIComponent); as written it would be read as part of the host';
}

/** The password of `scheme://user:password@host…`, read up to the last `@`. */
function connectionPassword(url: string): string | undefined {
  const start = url.indexOf('://');
  if (start === -1) return undefined;
  const at = url.lastIndexOf('@');
  const colon = url.indexOf(':', start + 3);
  return colon !== -1 && colon < at ? url.slice(colon + 1, at) || undefined : undefined;
}

/** Every secret string in the config, for scrubbing logs: tokens, passwords, webhook secret, URL passwords. */
export function secretValues(config: Config): string[] {
  const found = new Set<string>();
  const collect = (value: unknown, key: string | undefined, secret: boolean, parent?: string): void => {
    if (Array.isArray(value)) return value.forEach((item) => collect(item, key, secret, parent));
    if (isPlainObject(value)) {
      return Object.entries(value).forEach(([k, v]) => collect(v, k, secret || isSecretKey(k, key), key));
    }
    if (typeof value === 'string' && secret) found.add(value);
    else if ((typeof value === 'number' || typeof value === 'boolean') && secret) found.add(String(value));
    else if (typeof value === 'string') {
      for (const [start, end] of passwordSpans(value)) addPassword(found, value.slice(start, end));
      if (isConnectionKey(key ?? '', parent)) addPassword(found, connectionPassword(value) ?? '');
    }
  };
  collect(config, undefined, false);
  return [...found].filter((secret) => secret !== '');
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Logs may show a URL password percent-encoded (as written) or decoded (as sent). */
function addPassword(found: Set<string>, password: string): void {
  found.add(password);
  try {
    found.add(decodeURIComponent(password));
  } catch {
    // Not valid percent-encoding: the literal form is all a log could contain.
  }
}

/** Replaces every occurrence of each secret in `text` with `*****`; see createMasker for repeated use. */
export function maskText(text: string, secrets: readonly string[]): string {
  return createMasker(secrets)(text);
}

/**
 * Compiles the secrets once for masking many log lines. Secrets under 4 characters are skipped:
 * masking every "1" or "on" in a log would hide more than it protects. Longest first, so a secret
 * containing another is masked whole.
 */
export function createMasker(secrets: readonly string[]): (text: string) => string {
  const usable = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (usable.length === 0) return (text) => text;
  const pattern = new RegExp(usable.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
