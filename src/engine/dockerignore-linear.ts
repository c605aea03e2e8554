import type { Ignore } from '@balena/dockerignore';
import { RE2JS } from 're2js';
import { buildFailed } from '../core/errors.js';

/** What @balena/dockerignore 1.0.2 keeps per pattern: the regexp is compiled on first use. */
interface Rule {
  origin?: string;
  regexp?: { test(path: string): boolean };
}
interface Internals {
  _rules?: Rule[];
  _compile?(rule: Rule): Rule;
}

/**
 * Makes every rule of `matcher` match on RE2's linear-time engine. The library turns a pattern into a
 * JavaScript RegExp and passes characters such as `(`, `|` and `+` through, so a `.dockerignore` line
 * like `(a|a)*b` or `*a*a*a*a*a*b` backtracks for minutes on one file name. Docker compiles the same
 * expression with Go's regexp (RE2), so matching with RE2 is also what Docker does.
 */
export function matchInLinearTime(matcher: Ignore): Ignore {
  const internals = matcher as unknown as Internals;
  const { _rules: rules, _compile: compile } = internals;
  if (!Array.isArray(rules) || typeof compile !== 'function') {
    throw new Error('@balena/dockerignore changed its internals; its patterns cannot be moved to RE2');
  }
  for (const rule of rules) {
    const { regexp } = compile.call(matcher, rule);
    if (!(regexp instanceof RegExp)) continue;
    try {
      const re2 = RE2JS.compile(RE2JS.translateRegExp(regexp.source), regexp.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
      rule.regexp = { test: (path) => re2.test(path) };
    } catch (err) {
      const shown = JSON.stringify((rule.origin ?? regexp.source).slice(0, 80));
      throw buildFailed(`.dockerignore pattern ${shown} cannot be matched: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
  return matcher;
}
