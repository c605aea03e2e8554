import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { ContextFilter, createContextStream, readPatterns } from '../../src/engine/context.js';
import { removeDir, writeTree } from './helpers.js';

/** Milliseconds `fn` takes, and its result. */
function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe('.dockerignore patterns match in linear time', () => {
  const longName = 'a'.repeat(250);

  it.each([
    ['stars and letters', '*a*a*a*a*a*a*a*a*a*a*b'],
    ['an alternation passed through as regexp syntax', '(a|a)*b'],
    ['nested repetition', '(a+)+b'],
    ['many double stars', `${'**/'.repeat(30)}b`],
  ])('%s', (_, pattern) => {
    const filter = new ContextFilter(readPatterns(`${pattern}\n`));
    const { value, ms } = timed(() => [filter.excludes(longName), filter.excludes(`${'a/'.repeat(100)}${longName}`)]);
    expect(value).toEqual([false, false]);
    expect(ms).toBeLessThan(500);
  });

  it('keeps Docker semantics for ordinary patterns', () => {
    const filter = new ContextFilter(readPatterns('*.log\n**/tmp\nbuild/\n!build/keep\ndocs/?.md\n'));
    const cases: [string, boolean][] = [
      ['app.log', true],
      ['dir/app.log', false],
      ['x/y/tmp', true],
      ['tmp', true],
      ['build/out', true],
      ['build/keep', false],
      ['docs/a.md', true],
      ['docs/ab.md', false],
      ['src/main.ts', false],
    ];
    for (const [path, excluded] of cases) expect(filter.excludes(path), path).toBe(excluded);
  });

  it('fails the build with a clear message for a pattern RE2 cannot compile', async () => {
    const dir = await writeTree({ Dockerfile: 'FROM scratch\n', '.dockerignore': '(a)\\1\n' });
    try {
      const err = await createContextStream(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRogerError(err, 'build-failed')).toBe(true);
      expect((err as Error).message).toMatch(/^\.dockerignore pattern "\(a\)\\\\1" cannot be matched: /);
    } finally {
      await removeDir(dir);
    }
  });
});
