import type { Engine } from '../core/engine.js';
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

/** How long a failed build waits for the engine's answer before calling it lost. */
const LOST_PING_MS = 5_000;

/**
 * `describeFailure`, plus the one question a failure of ours raises: is the engine still there? When it
 * no longer answers, the build did not fail on its own: it says `engine lost: …` with both stories.
 */
export async function explainFailure(
  err: unknown,
  stage: string,
  signal: AbortSignal,
  engine: Pick<Engine, 'ping'>,
): Promise<{ outcome: Exclude<ProjectOutcome, 'passed' | 'skipped'>; message: string }> {
  const failure = describeFailure(err, stage, signal);
  if (failure.outcome !== 'failed' || signal.aborted || isRogerError(err, 'bad-input')) return failure;
  const lost = await engineProblem(engine);
  return lost === undefined ? failure : { outcome: 'failed', message: `engine lost: ${lost} (${failure.message})` };
}

/** Why the engine does not answer a ping within LOST_PING_MS, or undefined when it answers. */
export async function engineProblem(engine: Pick<Engine, 'ping'>, ms = LOST_PING_MS): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      engine.ping(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms))),
    ]);
    return undefined;
  } catch (err) {
    return toError(err).message;
  } finally {
    clearTimeout(timer);
  }
}
