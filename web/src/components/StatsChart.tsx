import { useMemo } from 'react';
import uPlot from 'uplot';
import { api } from '../lib/api';
import { duration } from '../lib/format';
import { usePolled } from '../lib/hooks';
import { Chart } from './Chart';
import { ErrorNotice } from './Notice';

const HOURS = 24;
/** The buckets are a quarter of an hour: a minute's refresh is plenty. */
const REFRESH_MS = 60_000;

/** Queue waits and running builds over the last 24 hours, from `GET /api/stats`. */
export function StatsChart() {
  const stats = usePolled('stats', (signal) => api.stats(HOURS, signal), () => REFRESH_MS);
  const data = useMemo<uPlot.AlignedData | undefined>(() => {
    const buckets = stats.data?.buckets;
    if (!buckets) return undefined;
    return [
      buckets.map((b) => Date.parse(b.start) / 1000),
      buckets.map((b) => b.running),
      buckets.map((b) => b.queued),
      buckets.map((b) => (b.wait_ms_avg === null ? null : b.wait_ms_avg / 1000)),
    ];
  }, [stats.data]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { count: { range: (_u, _min, max) => [0, Math.max(2, max + 1)] }, wait: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
      axes: [
        {},
        { scale: 'count', label: 'builds', size: 48, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
        { scale: 'wait', side: 1, label: 'queue wait', size: 64, grid: { show: false }, values: (_u, ticks) => ticks.map((t) => duration(t * 1000)) },
      ],
      series: [
        {},
        { label: 'running', scale: 'count', stroke: '#d4a72c', fill: 'rgba(212, 167, 44, 0.25)', width: 1.5, paths: uPlot.paths.stepped?.({ align: 1 }) },
        { label: 'queued', scale: 'count', stroke: '#8c959f', width: 1.5, paths: uPlot.paths.stepped?.({ align: 1 }) },
        { label: 'average wait', scale: 'wait', stroke: '#2358d8', width: 2, spanGaps: false, value: (_u, v) => (v === null ? '—' : duration(v * 1000)) },
      ],
      cursor: { drag: { x: false, y: false } },
    }),
    [],
  );
  return (
    <section className="card stats-card" aria-labelledby="stats-title" data-testid="stats-chart" data-buckets={stats.data?.buckets.length ?? 0}>
      <h2 id="stats-title" className="card-title">
        Last {HOURS} hours <span className="muted">· builds running and queued, and the average queue wait, per {stats.data?.bucket_minutes ?? 15} minutes</span>
      </h2>
      {stats.error && <ErrorNotice error={stats.error} onRetry={stats.reload} />}
      {data && <Chart options={options} data={data} height={170} label={`Builds running and queued, and queue waits, over the last ${HOURS} hours`} />}
    </section>
  );
}
