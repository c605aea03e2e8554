import { useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import { duration, shortSha } from '../lib/format';
import { Link, buildPath, navigate } from '../lib/router';
import type { ApiBuildSummary, BuildStatus } from '../lib/types';
import { Chart } from './Chart';
import { StatusBadge } from './StatusBadge';

/** One series per colour: a build's bar is drawn by the series of its status, the others hold null. */
const GROUPS: { label: string; color: string; statuses: BuildStatus[] }[] = [
  { label: 'passed', color: '#2da44e', statuses: ['passed'] },
  { label: 'failed', color: '#cf222e', statuses: ['failed'] },
  { label: 'running', color: '#d4a72c', statuses: ['started'] },
  { label: 'queued', color: '#8c959f', statuses: ['queued'] },
  { label: 'canceled or skipped', color: '#c4cbd3', statuses: ['canceled', 'skipped'] },
];

/** Seconds the bar stands for: the build's duration, or how long it has run so far; 0 if it never ran. */
function seconds(b: ApiBuildSummary, now: number): number {
  if (b.duration_ms !== null) return b.duration_ms / 1000;
  if (b.started_at && b.status === 'started') return Math.max(0, now - Date.parse(b.started_at)) / 1000;
  return 0;
}

/**
 * The duration of each build, oldest left, as bars coloured by status. Hovering a bar shows the build
 * below the chart with a link to it; clicking it opens it. The wrapper's `data-bars` is the number of
 * bars uPlot drew last time.
 */
export function DurationChart({ builds, now }: { builds: ApiBuildSummary[]; now: number }) {
  const ordered = useMemo(() => [...builds].reverse(), [builds]);
  const [hovered, setHovered] = useState<number | null>(null);
  const orderedRef = useRef(ordered);
  orderedRef.current = ordered;
  const wrapper = useRef<HTMLDivElement>(null);

  const data = useMemo<uPlot.AlignedData>(
    () => [
      ordered.map((_, i) => i + 1),
      ...GROUPS.map((g) => ordered.map((b) => (g.statuses.includes(b.status) ? seconds(b, now) : null))),
    ],
    [ordered, now],
  );

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    let drawn = 0;
    const bars = uPlot.paths.bars?.({ size: [0.8, 40], each: () => void (drawn += 1) });
    return {
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        { label: 'builds, oldest to newest', values: (_u, ticks) => ticks.map(() => ''), size: 24 },
        { values: (_u, ticks) => ticks.map((t) => duration(t * 1000)), size: 64 },
      ],
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      series: [
        {},
        ...GROUPS.map((g) => ({ label: g.label, fill: g.color, stroke: g.color, width: 0, paths: bars, points: { show: false } })),
      ],
      hooks: {
        drawClear: [() => void (drawn = 0)],
        draw: [() => wrapper.current?.setAttribute('data-bars', String(drawn))],
        setCursor: [(u) => setHovered(u.cursor.idx ?? null)],
        ready: [
          (u) =>
            u.over.addEventListener('click', () => {
              const idx = u.cursor.idx;
              const build = idx === null || idx === undefined ? undefined : orderedRef.current[idx];
              if (build) navigate(buildPath(build.id));
            }),
        ],
      },
    };
  }, []);

  const shown = hovered === null ? undefined : ordered[hovered];
  return (
    <div ref={wrapper} className="duration-chart" data-testid="duration-chart" data-builds={ordered.length}>
      <Chart options={options} data={data} height={220} label={`Duration of the last ${ordered.length} builds, coloured by status`} className="chart-clickable" />
      <p className="chart-hover" aria-live="polite">
        {shown ? (
          <>
            <StatusBadge status={shown.status} /> <Link to={buildPath(shown.id)}>Build {shown.id}</Link>
            <span className="chip mono">{shown.branch || 'default'}</span>
            {shown.commit && <span className="mono">{shortSha(shown.commit)}</span>}
            <span>{shown.duration_ms !== null ? duration(shown.duration_ms) : shown.status === 'started' ? 'running' : 'no duration'}</span>
          </>
        ) : (
          <span className="muted">Point at a bar to see its build; click it to open it.</span>
        )}
      </p>
    </div>
  );
}
