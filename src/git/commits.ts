import { badInput } from '../core/errors.js';
import { lastProblemLine } from './failure.js';
import type { RunResult } from './run.js';

const SHA = /^[0-9a-f]{40,64}$/;

/** Returns `shas` when each is a full commit id; they reach git's argv. */
export function checkShas(shas: readonly string[]): readonly string[] {
  const bad = shas.find((s) => !SHA.test(s));
  if (bad !== undefined) throw badInput(`not a commit id: ${JSON.stringify(bad.slice(0, 80))}`);
  return shas;
}

/**
 * Which of `shas` the repository does not hold. `rev-list --missing=allow-any` looks without the lazy
 * fetch a partial clone (the mirror and its worktrees) makes for any object it lacks: that fetch
 * would write into the mirror outside its lock, and bring the whole history behind the commit.
 */
export async function missingCommits(run: (args: readonly string[]) => Promise<RunResult>, shas: readonly string[]): Promise<string[]> {
  if (shas.length === 0) return [];
  // Usually every one is there (the mirror keeps its history): one process answers for all of them.
  // Any one missing fails the whole call, and each is then looked at alone to tell which.
  const all = await run(['rev-list', '--no-walk', '--missing=allow-any', ...shas]);
  const listed = new Set(all.stdout.split('\n').map((l) => l.trim()));
  if (all.code === 0 && shas.every((sha) => listed.has(sha))) return [];
  const held = await Promise.all(
    shas.map(async (sha) => {
      const res = await run(['rev-list', '--no-walk', '--missing=allow-any', sha]);
      // A tree or blob id is listed as nothing: only a commit counts.
      return res.code === 0 && res.stdout.trim() === sha;
    }),
  );
  return shas.filter((_, i) => !held[i]);
}

/**
 * Fetches `shas` in one request, and one by one only when that fails, to tell which are gone.
 * Returns git's reason for each one that cannot be fetched.
 */
export async function fetchEach(fetch: (shas: readonly string[]) => Promise<RunResult>, shas: readonly string[]): Promise<Map<string, string>> {
  const gone = new Map<string, string>();
  if (shas.length === 0 || (await fetch(shas)).code === 0) return gone;
  for (const sha of shas) {
    const res = await fetch([sha]);
    if (res.code !== 0) gone.set(sha, lastProblemLine(res.stderr));
  }
  return gone;
}
