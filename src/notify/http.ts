import { NotifyError } from '../core/notifier.js';

/** 5xx and 429 may pass; any other answer is a refusal that repeating will not change. */
export const retryableStatus = (status: number): boolean => status >= 500 || status === 429;

/** A failed attempt that never got an answer (refused connection, timeout): worth another try. */
export function networkError(err: unknown, what: string, signal: AbortSignal): NotifyError {
  if (err instanceof NotifyError) return err;
  const reason = signal.aborted ? 'no answer within the timeout' : err instanceof Error ? (causeMessage(err) ?? err.message) : String(err);
  return new NotifyError(`${what}: ${reason}`, true, { cause: err });
}

/** POSTs `body` and reads the answer; throws a NotifyError for a network failure or a non-2xx answer. */
export async function post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
  let res: Response;
  try {
    // No redirects: a notification goes where it was configured to, nowhere else.
    res = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'manual' });
  } catch (err) {
    throw networkError(err, 'POST failed', signal);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) return res.status;
  throw new NotifyError(`HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`, retryableStatus(res.status));
}

/** Node's fetch hides the reason (ECONNREFUSED...) in `cause`. */
function causeMessage(err: Error): string | undefined {
  const cause = err.cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : undefined;
}

/** For libraries that take no AbortSignal: the attempt ends when the signal fires; their own socket timeouts clean up. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
