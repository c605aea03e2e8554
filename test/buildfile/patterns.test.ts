import { describe, expect, it } from 'vitest';
import { compilePattern, patternProblem } from '../../src/buildfile/patterns.js';
import { skipReason } from '../../src/pipeline/match.js';

/** Milliseconds `fn` takes. */
function timed(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

describe('matching patterns', () => {
  it('accepts ordinary patterns and matches as RegExp.test does', () => {
    const cases: [string, string, boolean][] = [
      ['^v\\d+\\.\\d+\\.\\d+$', 'v1.22.3', true],
      ['^v\\d+\\.\\d+\\.\\d+$', 'v1.22', false],
      ['^release-', 'release-7', true],
      ['^release-', 'pre-release-7', false],
      ['release', 'pre-release-7', true],
      ['^(feature|hotfix)/.+$', 'hotfix/x', true],
      ['^(?<kind>feature)/\\w+$', 'feature/abc_1', true],
      ['^\\u0041/', 'A/b', true],
      ['^a/b$', 'a/b', true],
      ['^(\\d+\\.)+\\d+$', '1.2.3', true],
    ];
    for (const [pattern, ref, expected] of cases) {
      expect(patternProblem(pattern), pattern).toBeUndefined();
      expect(compilePattern(pattern).test(ref), `${pattern} on ${ref}`).toBe(expected);
      expect(new RegExp(pattern).test(ref), `RegExp ${pattern} on ${ref}`).toBe(expected);
    }
  });

  it('matches patterns that backtrack catastrophically in linear time', () => {
    // With RegExp, `^(a|a)*$` took seconds for a 32-character branch and doubles with each character.
    const branch = `${'a'.repeat(100_000)}!`;
    for (const p of ['^(a|a)*$', '(a+)+$', '^(a*)*$', '(.*)*x$', '^(\\w+\\s?)+$', '^((ab)*)+$']) {
      expect(patternProblem(p), p).toBeUndefined();
      const ms = timed(() => expect(compilePattern(p).test(branch)).toBe(false));
      expect(ms, p).toBeLessThan(1000);
    }
  });

  it('refuses what a linear-time engine cannot run, and explains', () => {
    expect(patternProblem('(')).toMatch(/^pattern "\(" is not a regular expression Roger can match in linear time .*missing closing \)/);
    expect(patternProblem('^(?=main)')).toMatch(/no lookaround or backreferences/);
    expect(patternProblem('(a)\\1')).toMatch(/invalid escape sequence/);
    expect(patternProblem('((a{100}){100}){100}')).toMatch(/invalid repeat count/);
    expect(patternProblem('x'.repeat(201))).toBe('pattern is 201 characters long; the limit is 200');
  });

  it('skips a webhook ref only when no rule matches it', () => {
    const matching = { branches: ['main'], patterns: ['^(a|a)*$', '^v\\d+$'], tags: false };
    expect(skipReason(matching, 'main', 'branch')).toBeUndefined();
    expect(skipReason(matching, 'v12', 'tag')).toBeUndefined();
    let reason: string | undefined;
    const ms = timed(() => (reason = skipReason(matching, `${'a'.repeat(50_000)}b`, 'branch')));
    expect(reason).toMatch(/^branch "a+b" does not match settings\.matching in build\.yml$/);
    expect(ms).toBeLessThan(1000);
  });
});
