import { ConfigIssues } from './issues.js';
import { type Path, type Tree, getIn, isPlainObject, setOwn } from './tree.js';

const REF = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g;
const WHOLE = /^\s*\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}\s*$/;
/** A real config has a few dozen references; far more means one feeding itself through another. */
const MAX_SUBSTITUTIONS = 1000;
const MAX_LENGTH = 100_000;

/**
 * Replaces `{{ a.b }}` with the value at a.b. A string that is only a reference takes the referenced
 * value as it is (number, mapping, ~); a reference inside a longer string must be a scalar.
 */
export function resolveRefs(root: Tree): Tree {
  let substitutions = 0;
  const resolving: Path[] = [];
  const fail = (path: Path, message: string): never => {
    throw new ConfigIssues([{ path, message }]);
  };

  const resolve = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') return resolveString(value, path);
    if (Array.isArray(value)) return value.map((item, i) => resolve(item, [...path, i]));
    if (!isPlainObject(value)) return value;
    const out: Tree = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, resolve(item, [...path, key]));
    return out;
  };

  const resolveString = (text: string, path: Path): unknown => {
    if (!text.includes('{{')) return text;
    const id = path.join('\0');
    const loopStart = resolving.findIndex((p) => p.join('\0') === id);
    if (loopStart >= 0) {
      fail(path, `reference cycle: ${[...resolving.slice(loopStart), path].map((p) => p.join('.')).join(' -> ')}`);
    }
    resolving.push(path.map(String));
    try {
      const whole = WHOLE.exec(text);
      if (whole?.[1]) return target(whole[1], path);
      const out = text.replace(REF, (_match, ref: string) => embed(ref, path));
      if (out.length > MAX_LENGTH) fail(path, `references expand to more than ${MAX_LENGTH} characters`);
      return out;
    } finally {
      resolving.pop();
    }
  };

  const target = (ref: string, from: Path): unknown => {
    if (++substitutions > MAX_SUBSTITUTIONS) fail(from, `more than ${MAX_SUBSTITUTIONS} {{ }} substitutions`);
    const refPath = ref.split('.');
    const value = getIn(root, refPath);
    if (value === undefined) fail(from, `unknown reference {{ ${ref} }}`);
    return resolve(value, refPath);
  };

  const embed = (ref: string, from: Path): string => {
    const value = target(ref, from);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    const what = value === null ? 'empty (~)' : 'a list or mapping';
    return fail(from, `{{ ${ref} }} is ${what}, so it cannot be part of a longer string`);
  };

  const resolved = resolve(root, []);
  return isPlainObject(resolved) ? resolved : {};
}
