/**
 * Just enough Dockerfile parsing to know which images a build's FROM lines need, so the pipeline can
 * pull them (with the right registry's credentials) before building with `pull: false`. Follows the
 * legacy builder's parser: parser directives, line continuations, comments, global ARGs, stage names.
 */

import { buildFailed } from '../core/errors.js';

export { registryOf } from './ref.js';

interface Instruction {
  keyword: string;
  args: string;
}

/**
 * Docker's `(.+?)\s*$` for the value backtracks quadratically over a long run of spaces (a 200 KB line
 * froze the event loop for half a minute); taking the rest of the line and trimming it is linear.
 */
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=(.+)$/;

/** The `# escape=` parser directive: only honoured in the leading block of directive comments. */
function escapeChar(lines: string[]): string {
  let escape = '\\';
  for (const line of lines) {
    const m = DIRECTIVE.exec(line);
    if (!m) break;
    const value = (m[2] ?? '').trim();
    if (m[1]?.toLowerCase() === 'escape' && (value === '`' || value === '\\')) escape = value;
  }
  return escape;
}

/** Logical instructions: continuations joined, comments and blank lines dropped. */
function instructions(text: string): { list: Instruction[]; escape: string } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const escape = escapeChar(lines);
  const continued = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const list: Instruction[] = [];
  // The physical lines of the instruction being continued, joined once it ends: testing and cutting
  // only the new line keeps a long continuation linear (a growing string re-scanned per line is not).
  let parts: string[] = [];
  for (const raw of lines) {
    const trimmed = raw.trim();
    // Comment lines are removed even in the middle of a continuation, as Docker does; so are blank
    // lines inside one (Docker only warns about those). A line kept here has a non-blank character, so
    // its trailing escape is all that the joined line's end could match.
    if (trimmed.startsWith('#') || trimmed === '') continue;
    if (continued.test(raw)) {
      parts.push(raw.replace(continued, ''));
      continue;
    }
    parts.push(raw);
    push(parts.join(''));
    parts = [];
  }
  if (parts.length > 0) push(parts.join(''));
  return { list, escape };

  function push(line: string): void {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
    if (m?.[1]) list.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
  }
}

/** A word without its surrounding quotes (ARG values may be quoted). */
function unquote(word: string): string {
  const m = /^(["'])([\s\S]*)\1$/.exec(word);
  return m ? (m[2] ?? '') : word;
}

/** Deeper `${A:-${B:-...}}` nesting than any real Dockerfile; each level is a stack frame. */
export const MAX_EXPANSION_DEPTH = 32;
/**
 * Characters substituted into one Dockerfile's ARG and FROM lines, all expansions together: ARGs that
 * each repeat the previous one twice double in size per line and would exhaust memory long before
 * the engine saw them.
 */
export const MAX_EXPANDED_CHARS = 4 * 1024 * 1024;

/** Shared by every expansion of one Dockerfile. */
export class ExpansionBudget {
  private left = MAX_EXPANDED_CHARS;

  spend(chars: number): void {
    this.left -= chars;
    if (this.left < 0) {
      throw buildFailed(`the Dockerfile's ARG substitutions expand to more than ${MAX_EXPANDED_CHARS} characters`);
    }
  }
}

/**
 * For each `{`, the index of its matching `}` (-1 when it has none), found in one pass: scanning for
 * the closing brace afresh at every `${` made `${A:-${A:-...}}` quadratic.
 */
function matchBraces(text: string): Int32Array {
  const closes = new Int32Array(text.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') open.push(i);
    else if (text[i] === '}') {
      const at = open.pop();
      if (at !== undefined) closes[at] = i;
    }
  }
  return closes;
}

const isNameStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

interface Expansion {
  text: string;
  closes: Int32Array;
  vars: ReadonlyMap<string, string>;
  escape: string;
  budget: ExpansionBudget;
}

/** End (exclusive) of the variable name starting at `at`, not past `end`; `at` when there is none. */
function nameEnd(text: string, at: number, end: number): number {
  if (at >= end || !isNameStart(text[at])) return at;
  let i = at + 1;
  while (i < end && isNameChar(text[i])) i++;
  return i;
}

function substitute(x: Expansion, value: string): string {
  x.budget.spend(value.length);
  return value;
}

/** Expands `text[start, end)`; every character is visited once, whatever the nesting. */
function expandRange(x: Expansion, start: number, end: number, depth: number): string {
  if (depth > MAX_EXPANSION_DEPTH) {
    throw buildFailed(`the Dockerfile nests \${...} substitutions more than ${MAX_EXPANSION_DEPTH} levels deep`);
  }
  const { text } = x;
  let out = '';
  let i = start;
  while (i < end) {
    const ch = text[i] ?? '';
    if (ch === x.escape && i + 1 < end && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    if (i + 1 < end && text[i + 1] === '{') {
      const close = x.closes[i + 1] ?? -1;
      const nameStop = close === -1 || close >= end ? i + 2 : nameEnd(text, i + 2, close);
      if (nameStop === i + 2) {
        out += text.slice(i, end); // unbalanced or not a variable: the rest is literal
        break;
      }
      const name = text.slice(i + 2, nameStop);
      const colon = text[nameStop] === ':' ? 1 : 0;
      const sign = text[nameStop + colon];
      const hasOp = nameStop < close && (sign === '-' || sign === '+') && nameStop + colon < close;
      if (nameStop < close && !hasOp) {
        out += text.slice(i, end);
        break;
      }
      const op = hasOp ? `${colon ? ':' : ''}${sign ?? ''}` : '';
      const word = (): string => expandRange(x, nameStop + colon + 1, close, depth + 1);
      const value = x.vars.get(name);
      if (op === ':-') out += value ? substitute(x, value) : word();
      else if (op === '-') out += value !== undefined ? substitute(x, value) : word();
      else if (op === ':+') out += value ? word() : '';
      else if (op === '+') out += value !== undefined ? word() : '';
      else out += substitute(x, value ?? '');
      i = close + 1;
      continue;
    }
    const stop = nameEnd(text, i + 1, end);
    if (stop > i + 1) {
      out += substitute(x, x.vars.get(text.slice(i + 1, stop)) ?? '');
      i = stop;
    } else {
      out += '$';
      i++;
    }
  }
  return out;
}

/** Docker's word expansion for `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}`, `${X+word}`. */
export function expand(
  text: string,
  vars: ReadonlyMap<string, string>,
  escape = '\\',
  budget = new ExpansionBudget(),
): string {
  return expandRange({ text, closes: matchBraces(text), vars, escape, budget }, 0, text.length, 0);
}

/** `ARG A=1 B` -> [['A', '1'], ['B', undefined]]. */
function argDeclarations(args: string): Array<[string, string | undefined]> {
  const words = args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  return words.map((word) => {
    const eq = word.indexOf('=');
    return eq === -1 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Far more stages than a real multi-stage build has; every base image is pulled concurrently. */
export const MAX_BASE_IMAGES = 100;

/** Same image spelled with or without `:latest` counts once. */
function dedupeKey(ref: string): string {
  if (ref.includes('@')) return ref;
  return ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref : `${ref}:latest`;
}

/**
 * The images the Dockerfile's FROM lines need, in order, without duplicates: stage references and
 * `scratch` are not images. Global ARGs (before the first FROM) are substituted, build args overriding
 * their defaults, as the builder does.
 */
export function baseImages(dockerfileText: string, buildargs: Record<string, string> = {}): string[] {
  const { list, escape } = instructions(dockerfileText);
  const budget = new ExpansionBudget();
  const vars = new Map<string, string>();
  const stages = new Set<string>();
  const seen = new Set<string>();
  const images: string[] = [];
  let sawFrom = false;

  for (const { keyword, args } of list) {
    if (keyword === 'ARG' && !sawFrom) {
      for (const [name, value] of argDeclarations(args)) {
        // Only declared ARGs take build args, and defaults may refer to earlier ARGs.
        const given = Object.hasOwn(buildargs, name) ? buildargs[name] : undefined;
        const resolved = given ?? (value === undefined ? undefined : expand(unquote(value), vars, escape, budget));
        if (resolved !== undefined) vars.set(name, resolved);
      }
      continue;
    }
    if (keyword !== 'FROM') continue;
    sawFrom = true;
    const words = args.split(/\s+/).filter((w) => w && !w.startsWith('--'));
    const image = expand(words[0] ?? '', vars, escape, budget);
    // Only stages named before this line count; stage names are case-insensitive.
    const isImage = image !== '' && image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase());
    if (words[1]?.toLowerCase() === 'as' && words[2]) stages.add(words[2].toLowerCase());
    const key = dedupeKey(image);
    if (!isImage || seen.has(key)) continue;
    seen.add(key);
    images.push(image);
    if (images.length > MAX_BASE_IMAGES) {
      throw buildFailed(`the Dockerfile names more than ${MAX_BASE_IMAGES} different base images; each would be pulled at once`);
    }
  }
  return images;
}

/**
 * LABEL's words: split on whitespace outside quotes, quotes kept, so `a="b c"` stays whole. A scan,
 * not a regex: alternations of quoted runs backtrack for minutes over an unterminated quote.
 */
function labelWords(args: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const c = args[i] ?? '';
    if (c === escape && quote !== "'" && i + 1 < args.length) {
      word += c + (args[i + 1] ?? '');
      i++;
    } else if (quote !== undefined) {
      word += c;
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      word += c;
      quote = c;
    } else if (/\s/.test(c)) {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += c;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * The label keys any LABEL line of the Dockerfile sets, in any stage: `LABEL k=v k2="v 2"` and the
 * legacy `LABEL k v`. Counting every stage errs on the side of the Dockerfile's own labels winning.
 */
export function labelKeys(dockerfileText: string): Set<string> {
  const keys = new Set<string>();
  const { list, escape } = instructions(dockerfileText);
  for (const { keyword, args } of list) {
    if (keyword !== 'LABEL') continue;
    const words = labelWords(args, escape);
    const first = words[0];
    if (first === undefined) continue;
    if (!first.includes('=')) {
      keys.add(unquote(first));
      continue;
    }
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq > 0) keys.add(unquote(word.slice(0, eq)));
    }
  }
  return keys;
}
