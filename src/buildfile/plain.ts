/** The string form of a YAML key, as yaml's own object conversion spells it (null is ''). */
export function keyString(key: unknown): string {
  if (key === null || key === undefined) return '';
  // A complex key (a map or list used as a key) has no useful name; it can never be a valid one.
  if (typeof key === 'object') return '<complex key>';
  return String(key);
}

/**
 * Maps (from yaml's `mapAsMap` output) as plain objects, arrays copied. Shared and cyclic values (YAML
 * aliases) stay shared, so the work is linear in the document. Keys are defined, not assigned, so a
 * `__proto__` key is just a key.
 */
export function toPlain(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of value as Map<unknown, unknown>) {
      Object.defineProperty(out, keyString(key), {
        value: toPlain(item, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value as unknown[]) out.push(toPlain(item, seen));
    return out;
  }
  return value;
}
