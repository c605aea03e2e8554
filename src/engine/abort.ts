import { canceled } from './errors.js';

/**
 * Settles like `work`, unless `signal` aborts first: then `onAbort` runs (to kill what `work` waits
 * on) and the result rejects with a `canceled` error straight away, without waiting for the engine.
 * `work` keeps a rejection handler so its late failure is never an unhandled rejection.
 */
export async function abortable<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
  onAbort?: () => void,
): Promise<T> {
  work.catch(() => undefined);
  if (!signal) return work;
  let listener = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort?.();
      reject(canceled(what));
    };
  });
  aborted.catch(() => undefined);
  if (signal.aborted) listener();
  else signal.addEventListener('abort', listener, { once: true });
  try {
    // `aborted` first: when both have settled already, the abort wins.
    return await Promise.race([aborted, work]);
  } finally {
    signal.removeEventListener('abort', listener);
  }
}
