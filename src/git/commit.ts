import type { Commit } from '../core/git.js';
import { systemError } from '../core/errors.js';

/** `git log` arguments producing what `parseCommit` reads: NUL-separated, since messages hold anything else. */
export const COMMIT_LOG_ARGS = [
  'log',
  '-1',
  // A repository's .mailmap is user content; the commit is reported as recorded.
  '--no-use-mailmap',
  '--format=%H%x00%an <%ae>%x00%ad%x00%B',
  'HEAD',
] as const;

export function parseCommit(stdout: string): Commit {
  const [sha, author, date, ...rest] = stdout.split('\0');
  if (sha === undefined || !/^[0-9a-f]{40,64}$/.test(sha) || author === undefined || date === undefined) {
    throw systemError(`unexpected git log output: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  // %B ends with the message's newline plus the one git adds after the format.
  return { sha, author, date, message: rest.join('\0').trimEnd() };
}
