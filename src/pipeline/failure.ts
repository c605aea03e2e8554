import { isRogerError, toError } from '../core/errors.js';
import type { ProjectOutcome } from './types.js';

/** Why a build stopped, in words for the log, the API and commit statuses. */
export function describeFailure(
  err: unknown,
  stage: string,
  signal: AbortSignal,
): { outcome: Exclude<ProjectOutcome, 'passed' | 'skipped'>; message: string } {
  if (signal.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : 'canceled';
    // A timeout or a server shutdown fails the build; only a person's cancel marks it `canceled`.
    const timedOut = signal.reason instanceof Error && ['TimeoutError', 'InterruptedError'].includes(signal.reason.name);
    return { outcome: timedOut ? 'failed' : 'canceled', message: timedOut ? `${stage}: ${reason}` : reason };
  }
  const error = toError(err);
  const prefix = isRogerError(error, 'system') ? 'system error' : stage;
  return { outcome: 'failed', message: `${prefix}: ${error.message}` };
}
