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

/** A map's pairs by key (the last of equal keys, as in the loaded value) and its `<<` merge sources. */
interface MapIndex {
  byKey: Map<string, Pair>;
  merges: unknown[];
}

/**
 * Built once per map and reused for every problem located in it: scanning the map's items for each of
 * 90,000 problems (one per bad project name) froze the event loop for minutes.
 */
const indexes = new WeakMap<YAMLMap, MapIndex>();

function indexOf(map: YAMLMap): MapIndex {
  let index = indexes.get(map);
  if (index) return index;
  index = { byKey: new Map(), merges: [] };
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    // With merge keys on, yaml gives `<<` a symbol value.
    if (typeof pair.key.value === 'symbol') index.merges.push(pair.value);
    // Only `1` and `"1"` can share a key string; the later one wins.
    else index.byKey.set(keyString(pair.key.value), pair);
  }
  indexes.set(map, index);
  return index;
}

/** The pair for `key`, looking through `<<` merge keys as yaml does when building the value. */
function findPair(doc: Document, map: YAMLMap, key: string, depth: number): Pair | undefined {
  const { byKey, merges } = indexOf(map);
  const found = byKey.get(key);
  if (found || depth >= MAX_MERGE_DEPTH) return found;
  for (const merge of merges) {
    const source = deref(doc, merge);
    const maps = isSeq(source) ? source.items.map((item) => deref(doc, item)) : [source];
    for (const candidate of maps) {
      const inMerged = isMap(candidate) ? findPair(doc, candidate, key, depth + 1) : undefined;
      if (inMerged) return inMerged;
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
