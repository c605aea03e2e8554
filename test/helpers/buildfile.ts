import { expect } from 'vitest';
import { parseBuildFile } from '../../src/buildfile/parse.js';
import { isRogerError } from '../../src/core/errors.js';

/**
 * The message parseBuildFile refuses `text` with: it must throw, and as bad input (the caller's file,
 * not Roger, is at fault), or the test fails.
 */
export function refusal(text: string, opts: { repo?: string; fileName?: string } = {}): string {
  try {
    parseBuildFile(text, { repo: opts.repo ?? 'https://github.com/company/redis', fileName: opts.fileName });
  } catch (err) {
    expect(isRogerError(err, 'bad-input')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected the build file to be refused');
}
