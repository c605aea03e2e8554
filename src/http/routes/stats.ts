import type { FastifyInstance } from 'fastify';
import { badInput } from '../../core/errors.js';
import type { AppDeps } from '../app.js';
import { bucketMinutes, statsSeries } from './stats-series.js';

export const MAX_HOURS = 168;
const DEFAULT_HOURS = 24;

/** `?hours=N`: a whole number of hours from 1 to 168 (a week); absent = 24. */
export function parseHours(raw: unknown): number {
  if (raw === undefined) return DEFAULT_HOURS;
  const n = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_HOURS)) throw badInput(`hours must be a whole number from 1 to ${MAX_HOURS}`);
  return n;
}

/** `GET /api/stats?hours=N`: queue waits and running builds over the last N hours (ApiStats). */
export function statsRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'store'>): void {
  app.get<{ Querystring: Record<string, unknown> }>('/api/stats', async (req) => {
    const hours = parseHours(req.query.hours);
    const now = new Date();
    // The first bucket starts on a whole bucket length, up to one bucket before the window.
    const since = new Date(now.getTime() - hours * 3_600_000 - bucketMinutes(hours) * 60_000);
    return statsSeries(await deps.store.buildTimes(since.toISOString()), hours, now);
  });
}
