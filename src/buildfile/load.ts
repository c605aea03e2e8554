import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { badInput } from '../core/errors.js';
import { excessiveNestingAt, MAX_NESTING } from './nesting.js';

/**
 * How many times aliases may be expanded. Enough for a few shared blocks (`<<: *defaults`), far too
 * few for a "billion laughs" document, which yaml then refuses as soon as it counts past it.
 */
export const MAX_ALIAS_COUNT = 50;

export interface Loaded {
  doc: Document;
  /** The document as JavaScript, maps as Map (so key order is the file's), or null when empty. */
  data: unknown;
  /** `build.yml:LINE:COL` for a source offset. */
  at: (offset: number) => string;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Offsets of repeated keys. yaml's own `uniqueKeys` compares each key with every earlier one, which is
 * quadratic (seconds for a 1 MB map); a Set per map is linear. Equality is yaml's: same scalar value.
 */
function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        // Merge keys (`<<`, a symbol) may repeat; collections as keys are never equal to each other.
        if (!isScalar(key) || typeof key.value === 'symbol') continue;
        const id = `${typeof key.value}:${String(key.value)}`;
        if (seen.has(id)) offsets.push(key.range?.[0] ?? 0);
        seen.add(id);
      }
    },
  });
  return offsets;
}

/** Parses one YAML document; syntax errors and resource limits become `file:line:col` bad-input errors. */
export function loadYaml(text: string, fileName: string): Loaded {
  const lines = new LineCounter();
  const at = (offset: number): string => {
    const { line, col } = lines.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  const deep = excessiveNestingAt(text);
  if (deep >= 0) {
    // The lexer has not filled `lines`, so count lines by hand for this one position.
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    const col = deep - before.lastIndexOf('\n');
    throw badInput(`${fileName}:${line}:${col} nested too deeply (the limit is about ${MAX_NESTING} levels)`);
  }
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, merge: true, prettyErrors: false });
  const errors = doc.errors.map((err) => ({
    offset: err.pos[0],
    message: err.code === 'MULTIPLE_DOCS' ? 'a build file holds one YAML document, not several' : err.message,
  }));
  if (errors.length === 0) {
    for (const offset of duplicateKeyOffsets(doc)) errors.push({ offset, message: 'Map keys must be unique' });
  }
  if (errors.length > 0) throw badInput(errors.map((e) => `${at(e.offset)} ${e.message}`).join('\n'));
  try {
    return { doc, data: doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT }), at };
  } catch (err) {
    if (err instanceof ReferenceError && /alias count/i.test(err.message)) {
      throw badInput(`${at(firstAliasOffset(doc))} too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions)`);
    }
    throw badInput(`${at(0)} ${err instanceof Error ? err.message : 'cannot read the document'}`, err);
  }
}
