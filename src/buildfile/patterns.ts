/** Branch and tag names are short; a longer pattern is a mistake or an attack. */
export const MAX_PATTERN_LENGTH = 200;

/** One alternative of a group, so far: does it vary in length, and does it consume a fixed literal? */
interface Alternative {
  variable: boolean;
  anchored: boolean;
}

/** The atom just read, waiting to learn whether a quantifier follows. */
type Atom = { group: false } | { group: true; elastic: boolean; variable: boolean; anchored: boolean };

interface Quantifier {
  /** May match more than once (`*`, `+`, `{2,}`). */
  repeats: boolean;
  /** Exact count (`{3}`): behaves like the atom written out. */
  fixed: boolean;
  /** Index of the quantifier's last character. */
  last: number;
}

function readQuantifier(source: string, i: number): Quantifier | undefined {
  const c = source[i];
  if (c === '*' || c === '+') return { repeats: true, fixed: false, last: i };
  if (c === '?') return { repeats: false, fixed: false, last: i };
  if (c !== '{') return undefined;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (!match) return undefined; // without the u flag a stray `{` is a literal
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
  return { repeats: max > 1, fixed: min === max, last: i + match[0].length - 1 };
}

/** Index of the last character of the escape at `i`. */
function skipEscape(source: string, i: number): number {
  const c = source[i + 1];
  const braced = source[i + 2] === '{' ? source.indexOf('}', i + 2) : -1;
  if ((c === 'u' || c === 'p' || c === 'P') && braced > 0) return braced;
  if (c === 'u') return i + 5;
  if (c === 'x') return i + 3;
  if (c === 'c') return i + 2;
  if (c === 'k' && source[i + 2] === '<') return Math.max(source.indexOf('>', i), i + 1);
  return i + 1;
}

/** Index of the `]` closing the class opened at `i`. */
function skipClass(source: string, i: number): number {
  let j = source[i + 1] === '^' ? i + 2 : i + 1;
  while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
  return j;
}

/** Index of the last character of a group's `(?:`, `(?=`, `(?<name>`... prefix opened at `i`. */
function skipGroupPrefix(source: string, i: number): number {
  if (source[i + 1] !== '?') return i;
  if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
    return Math.max(source.indexOf('>', i), i + 2);
  }
  return source[i + 2] === '<' ? i + 3 : i + 2;
}

/**
 * A heuristic for catastrophic backtracking: a group repeated by `*`, `+` or `{n,}` whose body can match
 * the same text in many ways because some alternative varies in length and has no fixed literal to
 * anchor each round: `(a+)+`, `(a*)*`, `(.*)*`, `(\w+\s?)+`, `(a|b+)+`. Safe shapes such as `(\.\d+)+`
 * (each round starts with a literal) pass. Alternations of overlapping literals are not caught.
 */
export function hasNestedQuantifier(source: string): boolean {
  const stack: Alternative[][] = [[{ variable: false, anchored: false }]];
  let pending: Atom | undefined;
  const current = (): Alternative => {
    const alternatives = stack[stack.length - 1];
    return alternatives[alternatives.length - 1];
  };
  const commit = (quantified: boolean): void => {
    if (!pending) return;
    const alternative = current();
    if (pending.group) alternative.variable ||= pending.variable;
    if (quantified) alternative.variable = true;
    else if (!pending.group || pending.anchored) alternative.anchored = true;
    pending = undefined;
  };
  for (let i = 0; i < source.length; i++) {
    const quantifier = pending ? readQuantifier(source, i) : undefined;
    if (quantifier) {
      if (pending?.group && pending.elastic && quantifier.repeats) return true;
      commit(!quantifier.fixed);
      i = quantifier.last + (source[quantifier.last + 1] === '?' ? 1 : 0); // skip a lazy `?`
      continue;
    }
    commit(false);
    const c = source[i];
    if (c === '\\') {
      const zeroWidth = source[i + 1] === 'b' || source[i + 1] === 'B';
      i = skipEscape(source, i);
      if (!zeroWidth) pending = { group: false };
    } else if (c === '[') {
      i = skipClass(source, i);
      pending = { group: false };
    } else if (c === '(') {
      i = skipGroupPrefix(source, i);
      stack.push([{ variable: false, anchored: false }]);
    } else if (c === ')' && stack.length > 1) {
      const alternatives = stack.pop() ?? [];
      pending = {
        group: true,
        elastic: alternatives.some((a) => a.variable && !a.anchored),
        variable: alternatives.some((a) => a.variable),
        anchored: alternatives.every((a) => a.anchored),
      };
    } else if (c === '|') {
      stack[stack.length - 1].push({ variable: false, anchored: false });
    } else if (c !== '^' && c !== '$') {
      pending = { group: false };
    }
  }
  return false;
}

/** Why a settings.matching pattern is refused, or undefined when it may be used. */
export function patternProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) {
    return `pattern is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  }
  try {
    new RegExp(source);
  } catch (err) {
    return err instanceof Error ? err.message : 'invalid regular expression';
  }
  if (hasNestedQuantifier(source)) {
    return `pattern ${JSON.stringify(source)} repeats a group that itself varies in length (like (a+)+), which can take exponential time on some names; rewrite it`;
  }
  return undefined;
}
