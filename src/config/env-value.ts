import { parseDocument } from 'yaml';
import type { z } from 'zod';

/**
 * An environment value as YAML would read it (`9000`, `true`, `~`, `[https, ssh]`, `'quoted'`), except
 * where that would change what the user typed into something the setting cannot take: a token
 * `0123` stays the string "0123" because the key expects a string.
 */
export function envValue(raw: string, schema: z.ZodTypeAny | undefined): unknown {
  const typed = typedValue(raw);
  if (typed === raw || schema === undefined) return typed;
  return !schema.safeParse(typed).success && schema.safeParse(raw).success ? raw : typed;
}

function typedValue(raw: string): unknown {
  // `{{ a.b }}` would read as a flow mapping; it is a reference, resolved later.
  if (raw.includes('{{')) return raw;
  const doc = parseDocument(raw);
  if (doc.errors.length > 0 || doc.warnings.length > 0) return raw;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch {
    return raw;
  }
  const start = raw.trimStart()[0];
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  // Plain strings keep everything, including a ` #` YAML would have read as a comment.
  if (typeof value === 'string') return start === "'" || start === '"' ? value : raw;
  return start === '[' || start === '{' ? value : raw;
}
