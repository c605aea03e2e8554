import { describe, expect, it } from 'vitest';
import { hasNestedQuantifier, patternProblem } from '../../src/buildfile/patterns.js';

describe('matching patterns', () => {
  it('flags nested quantifiers that backtrack catastrophically', () => {
    for (const p of ['(a+)+', '(a*)*', '(.*)*', '^(a+)+$', '(\\w+\\s?)+$', '(a|b+)+', '((ab)*)+', '(?:x+y?){2,}', '(?<n>\\d+)*', '([a-z]+)+']) {
      expect(hasNestedQuantifier(p), p).toBe(true);
    }
  });

  it('lets ordinary patterns through', () => {
    const ok = ['^v\\d+\\.\\d+\\.\\d+$', '^release-', '^\\d+(\\.\\d+)+$', '^(\\d+\\.)+\\d+$', '^(feature|hotfix)/.+$', '(a+){1}', '(ab)+', '[(+]+', '\\(a+\\)+', 'a{2,}b*', '(a?)', '(-?\\d)+'];
    for (const p of ok) expect(hasNestedQuantifier(p), p).toBe(false);
  });

  it('explains what is wrong', () => {
    expect(patternProblem('^v\\d+$')).toBeUndefined();
    expect(patternProblem('(')).toMatch(/Invalid regular expression/);
    expect(patternProblem('x'.repeat(201))).toBe('pattern is 201 characters long; the limit is 200');
    expect(patternProblem('(a+)+')).toMatch(/exponential time/);
  });
});
