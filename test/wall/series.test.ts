import { describe, expect, it } from 'vitest';
import type { BuildTimes } from '../../src/core/store.js';
import { parseHours } from '../../src/http/routes/stats.js';
import { bucketMinutes, statsSeries } from '../../src/http/routes/stats-series.js';

const NOW = new Date('2026-03-04T12:07:00.000Z');
const at = (minutesAgo: number): string => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
const times = (t: Partial<BuildTimes> & Pick<BuildTimes, 'createdAt'>): BuildTimes => ({
  status: 'passed',
  sibling: false,
  startedAt: null,
  finishedAt: null,
  updatedAt: t.createdAt,
  ...t,
});

describe('statsSeries', () => {
  it('aligns quarter-hour buckets and counts waits, queue and running per bucket', () => {
    const s = statsSeries(
      [
        // Waited 10 minutes, then ran 20 (from 60 to 40 minutes ago).
        times({ createdAt: at(70), startedAt: at(60), finishedAt: at(40) }),
        // Its sibling ran alongside and never queued.
        times({ createdAt: at(60), startedAt: at(60), finishedAt: at(41), sibling: true }),
        // Still queued since 20 minutes ago.
        times({ createdAt: at(20), status: 'queued' }),
        // An old record with no finish time: over when last updated.
        times({ createdAt: at(300), startedAt: at(299), updatedAt: at(298), status: 'failed' }),
      ],
      24,
      NOW,
    );
    expect(s.bucket_minutes).toBe(15);
    expect(s.since).toBe('2026-03-03T12:00:00.000Z');
    expect(s.until).toBe(NOW.toISOString());
    expect(s.buckets).toHaveLength(97);
    const bucket = (iso: string) => s.buckets.find((b) => b.start === iso);
    // 11:07 is in the 11:00 bucket: the first build started there after 10 minutes in the queue.
    expect(bucket('2026-03-04T11:00:00.000Z')).toMatchObject({ started: 1, wait_ms_avg: 600_000, wait_ms_max: 600_000, running: 2, queued: 1 });
    expect(bucket('2026-03-04T11:15:00.000Z')).toMatchObject({ started: 0, wait_ms_avg: null, running: 2, queued: 0 });
    // The queued build waits in the last two buckets (11:47 to now).
    expect(s.buckets.slice(-2).map((b) => b.queued)).toEqual([1, 1]);
    expect(s.buckets.slice(-2).map((b) => b.running)).toEqual([0, 0]);
    expect(bucket('2026-03-04T07:00:00.000Z')).toMatchObject({ started: 1, running: 1 });
    expect(s.buckets.reduce((n, b) => n + b.started, 0)).toBe(2);
  });

  it('keeps about 96 buckets for longer windows and ignores what lies outside', () => {
    expect(bucketMinutes(1)).toBe(15);
    expect(bucketMinutes(24)).toBe(15);
    expect(bucketMinutes(48)).toBe(30);
    expect(bucketMinutes(168)).toBe(105);
    const s = statsSeries([times({ createdAt: at(60 * 200), startedAt: at(60 * 199), finishedAt: at(60 * 198) })], 168, NOW);
    expect(s.buckets.length).toBeLessThanOrEqual(97);
    expect(s.buckets.every((b) => b.running === 0 && b.queued === 0 && b.started === 0)).toBe(true);
  });
});

describe('parseHours', () => {
  it('takes 1 to 168 and 24 when absent', () => {
    expect(parseHours(undefined)).toBe(24);
    expect(parseHours('1')).toBe(1);
    expect(parseHours('168')).toBe(168);
    expect(parseHours('007')).toBe(7);
  });
  it('refuses anything else with one clear message', () => {
    for (const bad of ['', '0', '169', '-3', '2.5', ' 24', '24 ', '1e1', 'NaN', 'Infinity', '0x18', '9999', ['24'], { a: '1' }, 24]) {
      expect(() => parseHours(bad)).toThrow('hours must be a whole number from 1 to 168');
    }
  });
});
