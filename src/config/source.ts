import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import { badInput } from '../core/errors.js';
import { type Path, type Tree, isPlainObject } from './tree.js';

/** Anchors a config may expand; a handful is normal, a "billion laughs" file needs thousands. */
export const MAX_ALIASES = 100;

export interface Position {
  line: number;
  col: number;
  /** How many segments of the path the file has; fewer than asked means an ancestor's position. */
  depth: number;
}

export interface ConfigSource {
  /** The file name as the user gave it, used in every message. */
  name: string;
  data: Tree;
  /** Where the key at `path` (or its nearest written ancestor) is in the file. */
  locate(path: Path): Position | undefined;
}

export function parseSource(text: string, name: string): ConfigSource {
  const lineCounter = new LineCounter();
  // merge: Roger read config.yml with js-yaml, which honours `<<: *anchor`.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${name}:${Math.max(line, 1)}:${col}`;
  };
  const [error] = doc.errors;
  if (error) throw badInput(`${at(error.pos[0])} invalid YAML: ${error.message}`, error);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    const reason = err instanceof ReferenceError ? `more than ${MAX_ALIASES} YAML alias expansions` : String(err);
    throw badInput(`${name}: ${reason}`, err);
  }
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) {
    const where = at(doc.contents?.range[0] ?? 0);
    throw badInput(`${where} expected a mapping of sections (app:, builds:, ...) at the top level`);
  }

  return {
    name,
    data,
    locate(path) {
      let node: unknown = doc.contents;
      let offset: number | undefined;
      let depth = 0;
      for (const segment of path) {
        if (isMap(node)) {
          const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
          if (!pair || !isScalar(pair.key)) break;
          offset = pair.key.range?.[0];
          node = pair.value;
          depth++;
        } else if (isSeq(node) && /^\d+$/.test(String(segment))) {
          const item = node.items[Number(segment)];
          if (!isNode(item)) break;
          offset = item.range?.[0];
          node = item;
          depth++;
        } else break;
      }
      if (offset === undefined) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return { line: Math.max(line, 1), col, depth };
    },
  };
}
