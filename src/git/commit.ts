import type { Commit } from '../core/git.js';
import { buildFailed, systemError } from '../core/errors.js';

/** `git log` arguments producing what `parseCommit` reads of `rev`: NUL-separated, since messages hold anything else. */
export function commitLogArgs(rev = 'HEAD'): string[] {
  return [
    'log',
    '-1',
    // A repository's .mailmap is user content; the commit is reported as recorded.
    '--no-use-mailmap',
    '--format=%H%x00%an <%ae>%x00%ad%x00%B',
    rev,
  ];
}

/** Kept of a commit message (the log, rev.txt); the rest of a giant one is dropped. */
export const MAX_MESSAGE = 64 * 1024;
/** Kept of `Name <email>`: it is stored with the build and shown everywhere. */
const MAX_AUTHOR = 1024;

/** Reads `git log` output made with commitLogArgs; `truncated` says git wrote more than was read. */
export function parseCommit(stdout: string, truncated = false): Commit {
  const [sha, author, date, ...rest] = stdout.split('\0');
  if (sha === undefined || !/^[0-9a-f]{40,64}$/.test(sha) || author === undefined || date === undefined) {
    // Only a crafted commit has a header so long that the read stopped inside it.
    if (truncated) throw buildFailed('the commit cannot be read: its author or date field is larger than 1 MB');
    throw systemError(`unexpected git log output: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  // %B ends with the message's newline plus the one git adds after the format.
  const message = rest.join('\0');
  const cut = truncated || message.length > MAX_MESSAGE;
  return {
    sha,
    author: author.length > MAX_AUTHOR ? `${author.slice(0, MAX_AUTHOR)}...` : author,
    date,
    message: cut ? `${message.slice(0, MAX_MESSAGE)}\n[commit message cut at ${MAX_MESSAGE / 1024} KiB]` : message.trimEnd(),
  };
}
