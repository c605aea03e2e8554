import { z } from 'zod';
import { LEGACY } from './schema.js';
import type { Path } from './tree.js';

/** Strips the wrappers that do not change which keys a value may have. */
function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap();
    else if (current instanceof z.ZodDefault) current = current.removeDefault();
    else if (current instanceof z.ZodEffects) current = current.innerType();
    else return current;
  }
}

/** The schema that validates the value at `path`; undefined inside open maps' free-form values. */
export function schemaAt(root: z.ZodTypeAny, path: Path): z.ZodTypeAny | undefined {
  let current: z.ZodTypeAny | undefined = root;
  for (const segment of path) {
    if (current === undefined) return undefined;
    const inner = unwrap(current);
    if (inner instanceof z.ZodObject) {
      const shape: Record<string, z.ZodTypeAny> = inner.shape;
      current = Object.hasOwn(shape, String(segment)) ? shape[String(segment)] : undefined;
    } else if (inner instanceof z.ZodRecord) current = inner.valueSchema;
    else if (inner instanceof z.ZodArray) current = inner.element;
    else return undefined;
  }
  return current;
}

/** Keys a strict section accepts, legacy ones last (hints show only current keys); undefined for open maps. */
export function knownKeys(schema: z.ZodTypeAny | undefined, includeLegacy = true): string[] | undefined {
  if (schema === undefined) return undefined;
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) return undefined;
  const shape: Record<string, z.ZodTypeAny> = inner.shape;
  const keys = Object.keys(shape);
  const current = keys.filter((key) => shape[key]?.description !== LEGACY);
  return includeLegacy ? [...current, ...keys.filter((key) => !current.includes(key))] : current;
}
