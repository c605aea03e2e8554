/** Limits for calls to a remote service: a few attempts, all within a fixed time budget. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First backoff; doubled after each failure, with jitter. */
  baseDelayMs: number;
  /** Nothing is attempted or waited for past this budget, counted from the first attempt. */
  budgetMs: number;
  /** One attempt's limit. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, budgetMs: 10_000, attemptTimeoutMs: 5_000 };

interface HttpishError {
  status?: unknown;
  response?: { headers?: Record<string, string | undefined> };
}

/** How long to wait before attempt `attempt + 1` after `err`, or undefined when it is not worth retrying. */
export type RetryDelay = (err: unknown, policy: RetryPolicy, attempt: number) => number | undefined;

/**
 * Runs `call` until it succeeds, fails for good, or the policy is spent. By default (GitHub's API)
 * retried: 5xx, 429, network failures and timeouts, and 403 when GitHub says a rate limit was hit; a
 * `retry-after` or `x-ratelimit-reset` wait is honoured only when it fits in the budget. Other callers
 * pass their own `delay`. The last error is rethrown.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  call: (signal: AbortSignal, attempt: number) => Promise<T>,
  delay: RetryDelay = retryDelay,
): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    try {
      return await call(AbortSignal.timeout(Math.max(1, Math.min(policy.attemptTimeoutMs, left))), attempt);
    } catch (err) {
      const wait = delay(err, policy, attempt);
      if (wait === undefined || attempt >= policy.attempts || Date.now() + wait >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** The base delay doubled per failed attempt, with jitter so many senders do not retry in step. */
export const backoff = (policy: RetryPolicy, attempt: number): number => policy.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);

/** GitHub's API: how long to wait before the next attempt, or undefined when `err` is not worth retrying. */
function retryDelay(err: unknown, policy: RetryPolicy, attempt: number): number | undefined {
  const wait = backoff(policy, attempt);
  const e = (typeof err === 'object' && err !== null ? err : {}) as HttpishError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const headers = e.response?.headers ?? {};
  if (status === undefined || status >= 500) return wait;
  if (status === 429 || (status === 403 && (headers['retry-after'] !== undefined || headers['x-ratelimit-remaining'] === '0'))) {
    return Math.max(wait, rateLimitWait(headers) ?? 0);
  }
  return undefined;
}

function rateLimitWait(headers: Record<string, string | undefined>): number | undefined {
  const after = Number(headers['retry-after']);
  if (Number.isFinite(after) && after >= 0) return after * 1000;
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - Date.now());
  return undefined;
}
