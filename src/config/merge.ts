import { REPLACED_WHOLE, defaultTree } from './defaults.js';
import { type Path, type Tree, isPlainObject, isPrefix, setOwn } from './tree.js';

/** The file's settings over the defaults. */
export function withDefaults(fileData: Tree): Tree {
  const merged = mergeOver(defaultTree(), fileData, []);
  return isPlainObject(merged) ? merged : {};
}

function mergeOver(base: unknown, over: unknown, path: Path): unknown {
  if (over === undefined) return structuredClone(base);
  // `notifications:` with every child commented out parses as null; it means "nothing to change".
  if (over === null && isPlainObject(base)) return structuredClone(base);
  const replaced = REPLACED_WHOLE.some((whole) => whole.length === path.length && isPrefix(whole, path));
  if (!isPlainObject(base) || !isPlainObject(over) || replaced) return structuredClone(over);
  const out: Tree = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    setOwn(out, key, mergeOver(own(base, key), own(over, key), [...path, key]));
  }
  return out;
}

const own = (tree: Tree, key: string): unknown => (Object.hasOwn(tree, key) ? tree[key] : undefined);
