import { isAlias, isMap, isScalar, isSeq, type Document, type Pair, type YAMLMap } from 'yaml';
import { keyString } from './plain.js';

export type PathSegment = string | number;

/** Merge sources may merge other maps; a cap keeps a pathological chain from looping. */
const MAX_MERGE_DEPTH = 8;

function start(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The pair for `key`, looking through `<<` merge keys as yaml does when building the value. */
function findPair(doc: Document, map: YAMLMap, key: string, depth: number): Pair | undefined {
  const merges: unknown[] = [];
  let found: Pair | undefined;
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    // With merge keys on, yaml gives `<<` a symbol value.
    if (typeof pair.key.value === 'symbol') merges.push(pair.value);
    // The last match, as in the loaded value: only `1` and `"1"` can both match.
    else if (keyString(pair.key.value) === key) found = pair;
  }
  if (found || depth >= MAX_MERGE_DEPTH) return found;
  for (const merge of merges) {
    const source = deref(doc, merge);
    const maps = isSeq(source) ? source.items.map((item) => deref(doc, item)) : [source];
    for (const candidate of maps) {
      found = isMap(candidate) ? findPair(doc, candidate, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Source offset of the value at `path` (or of its key when `key`), or of the deepest node on the way
 * when the path does not exist (a missing key points at its parent map).
 */
export function locate(doc: Document, path: readonly PathSegment[], key = false): number {
  let node: unknown = doc.contents;
  let offset = start(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    // An alias is followed only to go deeper: an error about the alias itself points at the alias.
    const target = deref(doc, node);
    if (isMap(target)) {
      const pair = findPair(doc, target, String(segment), 0);
      if (!pair) break;
      if (key && i === path.length - 1) return start(pair.key) ?? offset;
      node = pair.value;
      offset = start(node) ?? start(pair.key) ?? offset;
    } else if (isSeq(target) && typeof segment === 'number') {
      node = target.items[segment];
      offset = start(node) ?? offset;
    } else {
      break;
    }
    if (node === null || node === undefined) break;
  }
  return offset;
}
