import type { Config } from '../core/config.js';
import { isPlainObject } from './tree.js';

export const MASK = '*****';

/** Key names whose values are credentials wherever they appear (apiKey, accessKey, webhookSecret, tokens...). */
const SECRET_KEY = /(tokens?|password|passwd|passphrase|secret|key)$/i;
/** Keys that are secret only in context: `auth.github` is a token; `slack.url` and `webhook.url` often carry one. */
const SECRET_IN: Record<string, readonly string[]> = { auth: ['github'], notifications: ['github'], slack: ['url'], webhook: ['url'] };
/** The password in `scheme://user:password@host`. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):([^\s@/]+)@/gi;

const isSecretKey = (key: string, parent: string | undefined): boolean =>
  SECRET_KEY.test(key) || (parent !== undefined && (SECRET_IN[parent.toLowerCase()] ?? []).includes(key.toLowerCase()));

/** A deep copy fit to show (GET /api/config): secret values and URL passwords replaced by `*****`. */
export function maskSecrets(value: unknown): unknown {
  return walk(value, undefined, false);
}

function walk(value: unknown, key: string | undefined, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, key, secret));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, walk(v, k, secret || isSecretKey(k, key))]),
    );
  }
  if (value === null || value === undefined) return value;
  if (secret) return MASK;
  return typeof value === 'string' ? maskUrlPasswords(value) : value;
}

export const maskUrlPasswords = (text: string): string => text.replace(URL_PASSWORD, `$1:${MASK}@`);

/** Every secret string in the config, for scrubbing logs: tokens, passwords, webhook secret, URL passwords. */
export function secretValues(config: Config): string[] {
  const found = new Set<string>();
  const collect = (value: unknown, key: string | undefined, secret: boolean): void => {
    if (Array.isArray(value)) return value.forEach((item) => collect(item, key, secret));
    if (isPlainObject(value)) {
      return Object.entries(value).forEach(([k, v]) => collect(v, k, secret || isSecretKey(k, key)));
    }
    if (typeof value === 'string' && secret) found.add(value);
    else if ((typeof value === 'number' || typeof value === 'boolean') && secret) found.add(String(value));
    else if (typeof value === 'string') {
      for (const match of value.matchAll(URL_PASSWORD)) addPassword(found, match[2] ?? '');
    }
  };
  collect(config, undefined, false);
  return [...found].filter((secret) => secret !== '');
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
