import { compilePattern } from '../buildfile/patterns.js';
import type { Matching } from '../core/project.js';

/**
 * `settings.matching` for webhook builds: returns why a ref is skipped, or undefined when it builds.
 * Patterns were vetted when build.yml was parsed and run on a linear-time engine, so matching cannot hang.
 */
export function skipReason(matching: Matching | undefined, ref: string, refType: 'branch' | 'tag'): string | undefined {
  if (!matching) return undefined;
  if (refType === 'tag' && matching.tags) return undefined;
  if (refType === 'branch' && matching.branches.includes(ref)) return undefined;
  if (matching.patterns.some((p) => compilePattern(p).test(ref))) return undefined;
  return `${refType} "${ref}" does not match settings.matching in build.yml`;
}
