import { duration, fullDate, timeAgo } from '../lib/format';
import type { Build } from '../lib/types';

export function TimeAgo({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={fullDate(iso)}>
      {timeAgo(iso, now)}
    </time>
  );
}

/** How long the build took, or has been running so far (ticking). */
export function BuildDuration({ build, now }: { build: Build; now: number }) {
  if (build.duration_ms !== null) return <span>{duration(build.duration_ms)}</span>;
  if (build.started_at && build.status === 'started') {
    return <span className="running-time">{duration(now - Date.parse(build.started_at))}</span>;
  }
  return <span className="muted">—</span>;
}
