import { buildFailed, systemError, type RogerError } from '../core/errors.js';

/** The line that says what went wrong: git's last `fatal:`/`error:` line, else its last line. */
export function lastProblemLine(stderr: readonly string[]): string {
  const fatal = [...stderr].reverse().find((l) => /^(fatal|error):/.test(l));
  return fatal ?? stderr[stderr.length - 1] ?? 'git gave no reason';
}

/** git said the ref does not exist on the remote (the repository itself answered). */
export function isMissingRef(stderr: readonly string[]): boolean {
  return stderr.some((l) => /couldn't find remote ref/i.test(l));
}

const AUTH = [
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /authentication failed/i,
  /access denied/i,
  /invalid username or password/i,
  /permission denied \(publickey/i,
  /host key verification failed/i,
  /returned error: 40[13]/i,
];
const MISSING_REPO = [
  /repository not found/i,
  /repository '.*' not found/i,
  /does not appear to be a git repository/i,
  /returned error: 404/i,
  /not a git repository/i,
];

/** git's words say the remote refused or does not have the repository (not the local disk failing). */
export function knownRemoteCause(stderr: readonly string[]): boolean {
  // Not /not a git repository/: a broken local repository says that too.
  const remote = [...AUTH, ...MISSING_REPO.filter((re) => !re.test('not a git repository')), /unable to access '/i];
  return remote.some((re) => stderr.some((l) => re.test(l)));
}

/**
 * A failed talk with the remote (fetch, ls-remote) is the build's problem, not Roger's: the URL,
 * the ref or the credentials are wrong. The message leads with the likely cause and ends with git's
 * own words.
 */
export function remoteFailure(url: string, stderr: readonly string[]): RogerError {
  const why = lastProblemLine(stderr);
  if (AUTH.some((re) => stderr.some((l) => re.test(l)))) {
    return buildFailed(`authentication to ${url} failed (missing or wrong token or key): ${why}`);
  }
  if (MISSING_REPO.some((re) => stderr.some((l) => re.test(l)))) {
    return buildFailed(`repository ${url} not found (or not readable with the given credentials): ${why}`);
  }
  if (stderr.some((l) => /transport '.*' not allowed/i.test(l))) {
    return buildFailed(`git refused the transport of ${url}: ${why}`);
  }
  return buildFailed(`git could not fetch from ${url}: ${why}`);
}

/** A local step (init, checkout, log) failing means the workspace or disk is broken: Roger's side. */
export function localFailure(step: string, stderr: readonly string[]): RogerError {
  return systemError(`git ${step} failed: ${lastProblemLine(stderr)}`);
}
