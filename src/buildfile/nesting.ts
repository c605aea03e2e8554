import { CST, Lexer } from 'yaml';

/**
 * Far beyond any real build.yml (a few levels), far below the depth where yaml's recursive composer runs
 * out of stack. Past that depth repeated parses have been seen to abort the whole Node process (a fatal
 * V8 out-of-memory in the regexp compiler), so deep input must never reach the composer.
 */
export const MAX_NESTING = 100;

/** Zero-width markers the lexer emits between source tokens. */
const MARKERS: ReadonlySet<string> = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/**
 * Offset of the first token nested deeper than `limit`, or -1. Uses the lexer, which is iterative and
 * linear, and over-estimates depth as indentation columns + block indicators on the line + 2 per open
 * flow bracket, so a document that passes cannot nest more than about twice `limit` levels.
 */
export function excessiveNestingAt(text: string, limit = MAX_NESTING): number {
  let offset = 0;
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  let scalarBody = false;
  for (const token of new Lexer().lex(text)) {
    if (MARKERS.has(token)) {
      // The token after a scalar marker is scalar text (a block scalar body looks like 'space').
      scalarBody = token === CST.SCALAR;
      continue;
    }
    const start = offset;
    offset += token.length;
    let structural = false;
    if (scalarBody) {
      scalarBody = false;
      structural = true;
    } else {
      switch (CST.tokenType(token)) {
        case 'newline':
          lineStart = true;
          indent = 0;
          indicators = 0;
          continue;
        case 'space':
          if (lineStart && flow === 0) indent = token.length;
          continue;
        case 'comment':
          continue;
        case 'seq-item-ind':
        case 'explicit-key-ind':
        case 'map-value-ind':
          if (flow === 0) indicators += 1;
          structural = true;
          break;
        case 'flow-map-start':
        case 'flow-seq-start':
          flow += 1;
          structural = true;
          break;
        case 'flow-map-end':
        case 'flow-seq-end':
          flow = Math.max(0, flow - 1);
          break;
        default:
          structural = true;
      }
    }
    if (structural && indent + indicators + 2 * flow > limit) return start;
    // Block scalar bodies end with the newline, so the next token starts a line.
    lineStart = token.endsWith('\n');
    if (lineStart) {
      indent = 0;
      indicators = 0;
    }
  }
  return -1;
}
