/**
 * Typed errors shared by every module. The HTTP layer and the CLI map these kinds to status codes and
 * exit codes in one place each; everything else just throws them.
 */
export type ErrorKind =
  | 'bad-input' // the caller sent something we refuse (HTTP 400, exit 2)
  | 'not-found' // HTTP 404
  | 'unauthorized' // HTTP 401
  | 'build-failed' // the user's build failed: Dockerfile, hook, push refused (exit 1)
  | 'system' // our side failed: engine gone, disk full (HTTP 500/503, exit 1)
  | 'canceled'; // someone canceled the build or it timed out

export class RogerError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'RogerError';
  }
}

export const badInput = (message: string, cause?: unknown): RogerError =>
  new RogerError('bad-input', message, { cause });
export const buildFailed = (message: string, cause?: unknown): RogerError =>
  new RogerError('build-failed', message, { cause });
export const systemError = (message: string, cause?: unknown): RogerError =>
  new RogerError('system', message, { cause });
export const notFound = (message: string): RogerError => new RogerError('not-found', message);

export function isRogerError(err: unknown, kind?: ErrorKind): err is RogerError {
  return err instanceof RogerError && (kind === undefined || err.kind === kind);
}

/** Whatever was thrown, as an Error (non-Error throws are wrapped, keeping the original as cause). */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err), { cause: err });
}
