/**
 * Runs `task` for every item, at most `limit` at a time. The first failure stops everything: no
 * further task starts, the others in flight see their signal abort, and the promise rejects with
 * that first failure once they have settled (so nothing still writes after it returns).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  task: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const combined = AbortSignal.any([signal, stop.signal]);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !combined.aborted && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item, combined);
      } catch (error) {
        failure ??= { error };
        stop.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  // Aborted from outside between two tasks: the caller's reason, not silence.
  if (signal.aborted) throw signal.reason;
}
