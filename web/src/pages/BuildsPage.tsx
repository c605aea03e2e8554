import { useRef, useState } from 'react';
import { ListStatus } from '../components/Notice';
import { StatsChart } from '../components/StatsChart';
import { StatusBadge } from '../components/StatusBadge';
import { BuildDuration, TimeAgo } from '../components/Time';
import { api } from '../lib/api';
import { useBuildEvents, type BuildChange } from '../lib/events';
import { shortSha, shortTag } from '../lib/format';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link, buildPath, navigate } from '../lib/router';
import { isActive, STATUSES, type Build } from '../lib/types';

const PAGE = 50;
/** While something is queued or running the list refreshes quickly; otherwise it still notices new builds. */
const ACTIVE_MS = 2000;
const IDLE_MS = 10_000;
/** With the event stream open, changes arrive at once; a slow poll still catches agents' builds. */
const LIVE_MS = 15_000;

const FILTERS: { value: string; label: string }[] = [{ value: '', label: 'All' }, ...STATUSES.map((s) => ({ value: s, label: s }))];

/** The unfiltered list, newest first, after `change`: a known build replaced, a new one put on top. */
function applyChange(list: Build[], change: BuildChange, limit: number): Build[] {
  const at = list.findIndex((b) => b.id === change.build.id);
  if (at >= 0) return list.map((b, i) => (i === at ? change.build : b));
  return change.type === 'created' ? [change.build, ...list].slice(0, limit) : list;
}

function BuildRow({ build, now }: { build: Build; now: number }) {
  return (
    <tr data-build-id={build.id} data-status={build.status}>
      <td data-label="Status">
        <StatusBadge status={build.status} />
      </td>
      <td data-label="Project" className="cell-project">
        <Link to={buildPath(build.id)} className="row-link">
          {build.alias}
        </Link>
        {build.tag && <span className="sub mono" title={build.tag}>{shortTag(build.tag)}</span>}
      </td>
      <td data-label="Branch">
        {build.branch ? <span className="chip mono">{build.branch}</span> : <span className="muted">default</span>}
      </td>
      <td data-label="Commit">
        {build.commit ? (
          <span className="mono" title={build.commit}>
            {shortSha(build.commit)}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
        {build.author && <span className="sub">{build.author.replace(/\s*<[^>]*>$/, '')}</span>}
      </td>
      <td data-label="Created">
        <TimeAgo iso={build.created_at} now={now} />
      </td>
      <td data-label="Duration" className="cell-num">
        <BuildDuration build={build} now={now} />
      </td>
    </tr>
  );
}

export function BuildsPage({ status }: { status: string }) {
  const [limit, setLimit] = useState(PAGE);
  const now = useNow(1000);
  const onChange = useRef<(change: BuildChange | undefined) => void>(() => undefined);
  const live = useBuildEvents((change) => onChange.current(change));
  const builds = usePolled(
    // The limit is not part of the key: "Show more" keeps the rows on screen while it loads.
    `builds:${status}`,
    (signal) => api.builds({ limit, status: status || undefined }, signal),
    (data) => (live ? LIVE_MS : data?.some((b) => isActive(b.status)) ? ACTIVE_MS : IDLE_MS),
  );
  // The event carries the build as the list shows it: applied at once, without a round trip per open
  // page. A filtered list, or a stream that (re)opened (what it missed is unknown), is reloaded.
  onChange.current = (change) => {
    if (change === undefined || status) builds.reload();
    else builds.update((list) => applyChange(list, change, limit));
  };
  useTitle('Builds');
  const active = builds.data?.filter((b) => isActive(b.status)).length ?? 0;

  return (
    <>
      <div className="page-head" data-live={live}>
        <div>
          <h1>Builds</h1>
          <p className="muted page-sub" aria-live="polite">
            {active > 0 ? (
              <>
                <span className="live-dot" aria-hidden="true" /> {active} in progress · {live ? 'live' : 'refreshing every 2s'}
              </>
            ) : (
              'Newest first'
            )}
          </p>
        </div>
        <div className="segmented" role="group" aria-label="Filter by status">
          {FILTERS.map((f) => (
            <button
              key={f.value}
              type="button"
              className="segment"
              aria-pressed={status === f.value}
              onClick={() => navigate(f.value ? `/?status=${f.value}` : '/', { replace: true })}
            >
              {f.label}
            </button>
          ))}
        </div>
      </div>
      {!status && <StatsChart />}
      <ListStatus
        resource={builds}
        what="builds"
        empty={
          <>
            <h2>{status ? `No ${status} builds` : 'No builds yet'}</h2>
            <p>
              {status ? <Link to="/">Show all builds</Link> : <Link to="/new">Start the first build</Link>}
            </p>
          </>
        }
      />
      {builds.data && builds.data.length > 0 && (
        <div className="card table-card">
          <table className="table builds-table">
            <caption className="visually-hidden">Builds, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Project</th>
                <th scope="col">Branch</th>
                <th scope="col">Commit</th>
                <th scope="col">Created</th>
                <th scope="col" className="cell-num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {builds.data.map((b) => (
                <BuildRow key={b.id} build={b} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {builds.data && builds.data.length >= limit && limit < 500 && (
        <div className="more">
          <button type="button" className="button" onClick={() => {
              setLimit((l) => Math.min(500, l + PAGE));
              builds.reload();
            }}>
            Show more
          </button>
        </div>
      )}
    </>
  );
}
