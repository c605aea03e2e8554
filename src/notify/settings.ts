import { z } from 'zod';
import type { Config } from '../core/config.js';
import { badInput } from '../core/errors.js';
import type { RetryPolicy } from '../core/retry.js';

/** Keys every `notifications.<name>` may hold besides its own. */
export const commonSettings = z.object({
  /** Roger wrote `global: 'true'`: the notifier hears about every build, whatever build.yml lists. */
  global: z.union([z.boolean(), z.string()]).optional(),
  /** Seconds one attempt may take. */
  timeout: z.coerce.number().positive().max(300).default(10),
  /** Attempts in all, the first included. */
  attempts: z.coerce.number().int().min(1).max(10).default(3),
});

/** The strings of `to:`; one address or a list, as Roger's configs have both. */
export const recipientList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * `notifications.<name>` parsed with the notifier's schema; undefined when the section is absent. A
 * section that is there but wrong stops the server at start, naming the key, rather than at the
 * first build.
 */
export function readSettings<S extends z.ZodTypeAny>(config: Config, name: string, schema: S): z.output<S> | undefined {
  const raw = config.notifications[name];
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data as z.output<S>;
  const issue = parsed.error.issues[0];
  const where = ['notifications', name, ...(issue?.path ?? [])].join('.');
  throw badInput(`config.yml: ${where}: ${issue?.message ?? 'invalid'}`);
}

/** The retry policy of one notifier: attempts and per-attempt timeout from its settings. */
export function retryPolicy(settings: { timeout: number; attempts: number } | undefined): RetryPolicy {
  const timeout = (settings?.timeout ?? 10) * 1000;
  const attempts = settings?.attempts ?? 3;
  return { attempts, attemptTimeoutMs: timeout, baseDelayMs: Math.min(1000, timeout / 2), budgetMs: attempts * timeout + 30_000 };
}

/** `global: true` or Roger's `'true'`. */
export const isGlobal = (settings: Record<string, unknown> | undefined): boolean => settings?.global === true || settings?.global === 'true';
