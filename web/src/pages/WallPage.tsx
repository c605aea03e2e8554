import { useEffect, useReducer, useRef, type CSSProperties } from 'react';
import { ErrorNotice } from '../components/Notice';
import { duration, shortSha, timeAgo } from '../lib/format';
import { api } from '../lib/api';
import { useBuildEvents } from '../lib/events';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link, buildPath } from '../lib/router';
import type { ApiWallTile, BuildStatus } from '../lib/types';
import { WallOverrides } from '../lib/wall';

/** With the stream open every change arrives at once; the slow poll still catches agents' builds. */
const LIVE_MS = 30_000;
const POLL_MS = 5000;

const WORDS: Record<BuildStatus, string> = {
  queued: 'queued',
  started: 'running',
  passed: 'passed',
  failed: 'failed',
  canceled: 'canceled',
  skipped: 'skipped',
};

/** Columns and rows that fill a wide screen with `n` tiles about twice as wide as high. */
function grid(n: number): { cols: number; rows: number } {
  const screen = window.innerWidth / Math.max(1, window.innerHeight);
  const cols = Math.max(1, Math.min(n, Math.round(Math.sqrt((n * screen) / 2))));
  return { cols, rows: Math.max(1, Math.ceil(n / cols)) };
}

function Tile({ tile, now }: { tile: ApiWallTile; now: number }) {
  const b = tile.build;
  const when = b.finished_at ?? b.started_at ?? b.created_at;
  const [owner] = tile.alias.slice(tile.name.length).match(/\(([^)]*)\)/)?.slice(1) ?? [''];
  return (
    <Link to={buildPath(b.id)} className={`wall-tile wall-${b.status}`} data-project={tile.project} data-status={b.status} data-build-id={b.id}>
      <span className="wall-name">{tile.name}</span>
      <span className="wall-repo">{owner}</span>
      <span className="wall-status">{WORDS[b.status]}</span>
      <span className="wall-meta">
        <span className="wall-branch">{tile.branch || 'default'}</span>
        {b.commit && <span>{shortSha(b.commit)}</span>}
        <span>{b.status === 'started' && b.started_at ? duration(now - Date.parse(b.started_at)) : timeAgo(when, now)}</span>
      </span>
    </Link>
  );
}

/**
 * `/wall`: every project's latest build on its default branch as big coloured tiles that fill the screen,
 * for a TV across the room. Changes come by the event stream; when it is down the wall polls.
 */
export function WallPage() {
  const now = useNow(5000);
  const overrides = useRef(new WallOverrides());
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const reload = useRef<() => void>(() => undefined);
  const live = useBuildEvents((change) => {
    if (!change) overrides.current.clear();
    else if (overrides.current.apply(change.build)) redraw();
    // The server decides what a tile shows (new projects, a canceled build's predecessor): ask again.
    reload.current();
  });
  const wall = usePolled('wall', (signal) => api.wall(signal), () => (live ? LIVE_MS : POLL_MS));
  reload.current = wall.reload;
  useTitle('Wall');
  const tiles = overrides.current.merge(wall.data?.projects ?? []);
  // The grid is laid out again when the window changes size (a TV's browser going full screen).
  useEffect(() => {
    window.addEventListener('resize', redraw);
    return () => window.removeEventListener('resize', redraw);
  }, []);
  const { cols, rows } = grid(tiles.length);
  const failing = tiles.filter((t) => t.build.status === 'failed').length;

  return (
    <div className="wall" data-live={live}>
      {wall.error && <ErrorNotice error={wall.error} onRetry={wall.reload} />}
      {wall.data && tiles.length === 0 && <p className="wall-empty">No builds yet</p>}
      <div className="wall-grid" style={{ '--cols': cols, '--rows': rows } as CSSProperties} aria-label={`${tiles.length} projects, ${failing} failing`}>
        {tiles.map((t) => (
          <Tile key={t.project} tile={t} now={now} />
        ))}
      </div>
      <span className={live ? 'wall-live on' : 'wall-live'} title={live ? 'Live' : 'Refreshing every 5 s'} aria-hidden="true" />
    </div>
  );
}
