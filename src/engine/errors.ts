import type { DockerClientOptions } from '../core/config.js';
import { RogerError, buildFailed, systemError, toError } from '../core/errors.js';

/**
 * Turning what dockerode throws into RogerErrors. dockerode rejects with plain Errors carrying either a
 * socket error `code` (engine unreachable) or an HTTP `statusCode` plus the engine's JSON body; callers
 * want one of our kinds with Docker's own words, so this is the only place that knows those shapes.
 */

/** Socket errors meaning "there is no engine there" rather than "the engine said no". */
const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EACCES',
  'EPERM',
  'ENOTSOCK',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Where the engine is expected, for messages: the socket path or the URL. */
export function engineEndpoint(opts: DockerClientOptions): string {
  if (opts.socketPath) return opts.socketPath;
  if (opts.host) return `${opts.protocol ?? 'http'}://${opts.host}${opts.port ? `:${opts.port}` : ''}`;
  // dockerode falls back to DOCKER_HOST, then the default socket.
  return process.env.DOCKER_HOST ?? '/var/run/docker.sock';
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

/** The HTTP status the engine answered with, when the error is an engine answer. */
export function statusCodeOf(err: unknown): number | undefined {
  const code = field(err, 'statusCode');
  return typeof code === 'number' ? code : undefined;
}

export function isUnreachable(err: unknown): boolean {
  const code = field(err, 'code');
  return typeof code === 'string' && UNREACHABLE.has(code);
}

/**
 * Docker's own message for an engine error: dockerode's message wraps it in "(HTTP code 404) no such
 * container - ... " noise, while the JSON body has exactly what `docker` would print.
 */
export function dockerMessage(err: unknown): string {
  const json = field(err, 'json');
  const bodyMessage = field(json, 'message');
  if (typeof bodyMessage === 'string' && bodyMessage.trim()) return bodyMessage.trim();
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  // Streaming endpoints (build, pull, push, archive) leave `json` empty and only put the body into
  // the message, after dockerode's "(HTTP code 400) unexpected - " prefix.
  const message = toError(err).message.trim();
  return statusCodeOf(err) === undefined ? message : message.replace(/^\(HTTP code \d+\) .*? - /, '');
}

export function canceled(what: string): RogerError {
  return new RogerError('canceled', `${what} canceled`);
}

export function unreachable(endpoint: string, err: unknown): RogerError {
  return systemError(`Docker engine not reachable at ${endpoint}: ${toError(err).message}`, err);
}

export interface ErrorContext {
  endpoint: string;
  /** The operation, for messages: `Push of app:1 to 127.0.0.1:5000` -> "... failed: <Docker's words>". */
  what: string;
  /** Kind for an engine answer that is not a success: the user's input (default) or our side. */
  kind?: 'build-failed' | 'system';
  signal?: AbortSignal;
}

/** Any failure of an engine call as a RogerError: canceled, unreachable, or Docker's answer. */
export function toEngineError(err: unknown, ctx: ErrorContext): RogerError {
  if (err instanceof RogerError) return err;
  // An aborted request fails with whatever the socket says; the abort is the real reason.
  if (ctx.signal?.aborted) return canceled(ctx.what);
  if (isUnreachable(err)) return unreachable(ctx.endpoint, err);
  const message = `${ctx.what} failed: ${dockerMessage(err)}`;
  return ctx.kind === 'system' ? systemError(message, err) : buildFailed(message, err);
}
