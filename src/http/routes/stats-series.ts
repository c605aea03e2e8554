import type { BuildTimes } from '../../core/store.js';
import type { ApiStats, ApiStatsBucket } from '../api-types.js';

const MINUTE = 60_000;
/** About this many buckets whatever the window: a quarter hour over a day, under two hours over a week. */
const BUCKETS = 96;

export const bucketMinutes = (hours: number): number => Math.max(15, Math.ceil((hours * 60) / BUCKETS));

const ACTIVE = new Set(['queued', 'started']);

/**
 * Counts, per bucket, the requests waiting in the queue and the builds running at some point of it, and
 * the waits of the requests that started in it. Buckets are aligned to whole bucket lengths (since the
 * epoch) so they do not shift from one answer to the next. Siblings of a multi-project request never
 * waited themselves: they count as running, not in the queue.
 */
export function statsSeries(builds: readonly BuildTimes[], hours: number, now: Date): ApiStats {
  const size = bucketMinutes(hours) * MINUTE;
  const until = now.getTime();
  const first = Math.floor((until - hours * 60 * MINUTE) / size) * size;
  const count = Math.max(1, Math.ceil((until - first) / size));
  const buckets: (ApiStatsBucket & { waitSum: number })[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(first + i * size).toISOString(),
    queued: 0,
    running: 0,
    started: 0,
    wait_ms_avg: null,
    wait_ms_max: null,
    waitSum: 0,
  }));
  const index = (t: number): number => Math.floor((t - first) / size);
  /** Adds one to `key` in every bucket that [from, to] touches inside the window. */
  const span = (from: number, to: number, key: 'queued' | 'running'): void => {
    const a = Math.max(0, index(from));
    const b = Math.min(count - 1, index(to));
    for (let i = a; i <= b; i++) {
      const bucket = buckets[i];
      if (bucket) bucket[key] += 1;
    }
  };
  for (const b of builds) {
    const created = Date.parse(b.createdAt);
    const started = b.startedAt === null ? undefined : Date.parse(b.startedAt);
    // A build that is over but has no finish time (an old record) ended when it was last updated.
    const end = b.finishedAt !== null ? Date.parse(b.finishedAt) : ACTIVE.has(b.status) ? until : Date.parse(b.updatedAt);
    if (!b.sibling) span(created, started ?? end, 'queued');
    if (started === undefined) continue;
    span(started, end, 'running');
    const bucket = buckets[index(started)];
    if (b.sibling || !bucket) continue;
    const wait = Math.max(0, started - created);
    bucket.started += 1;
    bucket.waitSum += wait;
    bucket.wait_ms_max = Math.max(bucket.wait_ms_max ?? 0, wait);
  }
  return {
    hours,
    bucket_minutes: size / MINUTE,
    since: new Date(first).toISOString(),
    until: now.toISOString(),
    buckets: buckets.map(({ waitSum, ...b }) => ({ ...b, wait_ms_avg: b.started > 0 ? Math.round(waitSum / b.started) : null })),
  };
}
