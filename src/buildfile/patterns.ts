import { RE2JS } from 're2js';

/** Branch and tag names are short; a longer pattern is a mistake or an attack. */
export const MAX_PATTERN_LENGTH = 200;

/** A settings.matching pattern as written, ready to test refs against. */
export interface RefPattern {
  /** True when the pattern matches somewhere in `ref`, as JavaScript's RegExp.test would. */
  test(ref: string): boolean;
}

/**
 * Compiles a pattern for RE2's linear-time engine: build.yml is untrusted, and a backtracking engine
 * spends exponential time on patterns such as `^(a|a)*$`, freezing the whole server on one webhook.
 * JavaScript spellings RE2 lacks (`(?<name>`, `\u0041`) are translated first. Throws on syntax RE2
 * refuses, which includes lookaround and backreferences.
 */
export function compilePattern(source: string): RefPattern {
  return RE2JS.compile(RE2JS.translateRegExp(source));
}

/** Why a settings.matching pattern is refused, or undefined when it may be used. */
export function patternProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) {
    return `pattern is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  }
  try {
    compilePattern(source);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'invalid regular expression';
    return `pattern ${JSON.stringify(source)} is not a regular expression Roger can match in linear time (RE2 syntax; no lookaround or backreferences): ${reason}`;
  }
  return undefined;
}
